// The pod-template-hash of a Rollout's template: FNV-1a (32 bit) over the template's canonical
// JSON (keys sorted, so a re-ordered manifest keeps its hash), written with Kubernetes's
// SafeEncodeString alphabet (no vowels, no confusable digits), as ReplicaSet hashes look.
// Stable across controller restarts and versions: it names ReplicaSets and selects pods.
import { canonicalJson } from '../api/canonical-json.ts';

const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export { canonicalJson };

function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

function safeEncode(text: string): string {
  return [...text].map((c) => ALPHABET[c.charCodeAt(0) % ALPHABET.length]).join('');
}

export function podTemplateHash(template: unknown): string {
  return safeEncode(String(fnv1a32(canonicalJson(template))));
}
