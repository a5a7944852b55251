// Kubernetes object types for modules outside src/kube, which may not import client-node
// directly: `import type { k8s } from '../kube/types.ts'` then `k8s.V1Deployment`.
export type * as k8s from '@kubernetes/client-node';
