import { useEffect, useState } from 'preact/hooks';
import { type AtRiskList, atRiskListSchema, type Overview, overviewSchema } from '../../../server/contract/analytics.ts';
import type { ApiClient } from '../api/client.ts';

/** Customers per page of the call list: a screenful on a tablet; the rest behind "show more". */
export const AT_RISK_PAGE = 10;

export function atRiskPath(cursor: string | null): string {
  return `/api/v1/analytics/at-risk?limit=${AT_RISK_PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
}

export type DashboardData = { kind: 'loading' } | { kind: 'error'; error: unknown } | { kind: 'ready'; overview: Overview; atRisk: AtRiskList };

/** The overview (default period: the last 12 months) and the first page of the call list, together. */
export function useDashboardData(api: ApiClient, attempt: number): DashboardData {
  const [data, setData] = useState<DashboardData>({ kind: 'loading' });
  useEffect(() => {
    let live = true;
    setData({ kind: 'loading' });
    Promise.all([api.call('GET', '/api/v1/analytics/overview', overviewSchema), api.call('GET', atRiskPath(null), atRiskListSchema)])
      .then(([overview, atRisk]) => live && setData({ kind: 'ready', overview, atRisk }))
      .catch((error: unknown) => live && setData({ kind: 'error', error }));
    return () => {
      live = false;
    };
  }, [api, attempt]);
  return data;
}
