// A TrafficRouter moves a rollout's traffic between its stable and canary destinations.
// Implementations: istio/ (VirtualService weights). The rollout controller only sees this.

export interface RolloutRef {
  readonly namespace: string;
  readonly name: string;
}

export interface TrafficRouter {
  /** The canary weight the routes hold now, or undefined if they disagree or cannot be read. */
  canaryWeight(): Promise<number | undefined>;
  /** Routes `canaryWeight`% to the canary and the rest to the stable destination. */
  setCanaryWeight(canaryWeight: number): Promise<void>;
}

/** A problem in the user's routing objects that no retry can fix (reported as InvalidSpec). */
export class RoutingError extends Error {
  readonly field: string;

  constructor(field: string, message: string) {
    super(message);
    this.name = 'RoutingError';
    this.field = field;
  }
}
