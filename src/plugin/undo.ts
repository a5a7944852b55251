// `undo NAME [--to-revision N]`: the Rollout's template set back to a former revision's — the
// ReplicaSet of that revision holds it, with the pod-template-hash label added. An ordinary new
// rollout from there on, except that a template equal to the stable one goes straight back (the
// fast track). Sent with the resourceVersion read, like every operation.
import { API_VERSION, POD_TEMPLATE_HASH_LABEL, REVISION_ANNOTATION } from '../api/names.ts';
import type { KubeClients } from '../kube/api-clients.ts';
import { isConflict } from '../kube/errors.ts';
import type { KubeObject } from '../kube/object.ts';
import { patchObject } from '../kube/patch.ts';
import { PLUGIN_FIELD_MANAGER, UserError } from './errors.ts';
import { readRollout } from './operations.ts';

interface TemplateSet extends KubeObject {
  readonly spec?: { readonly template?: { readonly metadata?: { readonly labels?: Record<string, string> }; readonly [field: string]: unknown } };
}

const revisionOf = (rs: KubeObject): number => Number.parseInt(rs.metadata.annotations?.[REVISION_ANNOTATION] ?? '0', 10) || 0;

/** The ReplicaSet to go back to: revision N, or the newest one older than the current template's. */
export function pickRevision(sets: readonly TemplateSet[], currentHash: string | undefined, toRevision: number | undefined): TemplateSet {
  const sorted = [...sets].sort((a, b) => revisionOf(b) - revisionOf(a));
  if (toRevision !== undefined) {
    const found = sorted.find((rs) => revisionOf(rs) === toRevision);
    if (found === undefined) throw new UserError(`revision ${toRevision} not found (the rollout has ${sorted.map(revisionOf).join(', ') || 'no'} revisions)`);
    return found;
  }
  const current = sorted.find((rs) => rs.metadata.labels?.[POD_TEMPLATE_HASH_LABEL] === currentHash);
  const older = sorted.find((rs) => rs !== current && (current === undefined || revisionOf(rs) < revisionOf(current)));
  if (older === undefined) throw new UserError('no former revision to go back to');
  return older;
}

/**
 * The ReplicaSet's pod template as the Rollout had it: without the hash label the controller adds
 * and without the defaults the API server wrote into the ReplicaSet (the Rollout's template is not
 * defaulted, and its hash is over what the user wrote). A default the user did write explicitly
 * is dropped too: the template then hashes differently and gets a new ReplicaSet, which is still
 * the same pods.
 */
export function templateOf(rs: TemplateSet): Record<string, unknown> {
  const template = rs.spec?.template ?? {};
  const { [POD_TEMPLATE_HASH_LABEL]: _hash, ...labels } = template.metadata?.labels ?? {};
  const { creationTimestamp: _created, ...metadata } = { ...template.metadata } as Record<string, unknown>;
  const spec = withoutDefaults(template.spec as Record<string, unknown> | undefined, POD_DEFAULTS);
  return { ...template, metadata: { ...metadata, labels }, ...(spec === undefined ? {} : { spec: { ...spec, ...containerLists(spec) } }) };
}

type Json = Record<string, unknown>;

const POD_DEFAULTS: Json = { restartPolicy: 'Always', terminationGracePeriodSeconds: 30, dnsPolicy: 'ClusterFirst', securityContext: {}, schedulerName: 'default-scheduler' };
const CONTAINER_DEFAULTS: Json = { terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', resources: {} };

function withoutDefaults(object: Json | undefined, defaults: Json): Json | undefined {
  if (object === undefined) return undefined;
  return Object.fromEntries(Object.entries(object).filter(([key, value]) => !(key in defaults) || JSON.stringify(value) !== JSON.stringify(defaults[key])));
}

function containerLists(spec: Json): Json {
  const out: Json = {};
  for (const key of ['containers', 'initContainers']) {
    if (Array.isArray(spec[key])) out[key] = (spec[key] as Json[]).map(container);
  }
  return out;
}

/** imagePullPolicy defaults to Always for :latest or no tag, else IfNotPresent; ports to TCP. */
function container(c: Json): Json {
  const image = typeof c.image === 'string' ? c.image : '';
  const tagged = /:[^/]+$/u.test(image.split('@')[0] ?? '') && !image.endsWith(':latest');
  const pullDefault = image.includes('@') || tagged ? 'IfNotPresent' : 'Always';
  const base = withoutDefaults(c, { ...CONTAINER_DEFAULTS, imagePullPolicy: pullDefault }) ?? {};
  const ports = Array.isArray(c.ports) ? { ports: (c.ports as Json[]).map((p) => withoutDefaults(p, { protocol: 'TCP' })) } : {};
  return { ...base, ...ports };
}

export async function undo(clients: KubeClients, namespace: string, name: string, toRevision: number | undefined): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const rollout = await readRollout(clients, namespace, name);
    const { items } = await clients.request<{ items: TemplateSet[] }>({ method: 'GET', path: `/apis/apps/v1/namespaces/${namespace}/replicasets`, query: { labelSelector: POD_TEMPLATE_HASH_LABEL } });
    const owned = items.filter((rs) => (rs.metadata.ownerReferences ?? []).some((ref) => ref.uid === rollout.metadata.uid));
    const target = pickRevision(owned, rollout.status?.currentPodHash, toRevision);
    const ref = { apiVersion: API_VERSION, kind: 'Rollout', namespace, name };
    try {
      await patchObject(clients, ref, [{ op: 'add', path: '/spec/template', value: templateOf(target) }], {
        fieldManager: PLUGIN_FIELD_MANAGER,
        ...(rollout.metadata.resourceVersion === undefined ? {} : { resourceVersion: rollout.metadata.resourceVersion }),
      });
      return `rollout "${name}" set back to the template of revision ${revisionOf(target)} (${target.metadata.labels?.[POD_TEMPLATE_HASH_LABEL] ?? ''})`;
    } catch (error) {
      if (!isConflict(error) || attempt >= 5) throw error;
    }
  }
}
