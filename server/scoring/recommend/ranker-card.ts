/** The ranker's model card (ranker.card.json): what was trained on what, and how it did on the internal split. */
export interface RankerCard {
  model: 'next-basket-ranker';
  /** `skipped` when the data cannot train a ranker (no SKUs, too few repeat customers); nothing else is written then. */
  status: 'trained' | 'skipped';
  reason?: string;
  asOf: string;
  dataSpan?: { from: string; to: string };
  customers?: number;
  items?: number;
  features?: string[];
  objective?: string;
  link?: 'identity' | 'logistic' | 'exp';
  trees?: number;
  candidateLimits?: { own: number; neighbours: number; popular: number };
  /** Each customer's last basket before the as-of time as target, on a hash-chosen share of customers. */
  internalValidation?: {
    customers: number;
    k: number;
    ranker: { recall: number; ndcg: number };
    baselines: { pTopFreq: { recall: number; ndcg: number }; gpTopFreq: { recall: number; ndcg: number } };
  };
  trainRows?: number;
  files?: { onnx: string; onnxSha256: string; items: string; itemsSha256: string };
  trainSeconds?: number;
  phaseSeconds?: Record<string, number>;
}

export const RANKER_ONNX = 'ranker.onnx';
export const RANKER_CARD = 'ranker.card.json';
export const RANKER_ITEMS = 'ranker.items.json';
