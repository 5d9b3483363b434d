/// <reference path="../../../js/qirvo.d.ts" />
/// <reference path="./host-api.d.ts" />
// A plugin of the orders service (examples/orders_host.rs): it reads orders through the
// host's read API ("orders:read") and files restock orders through its write API
// ("orders:write"). `host-api.d.ts` is written by the host (HostApi::typescript).

/** Units ordered for each SKU across every open order. */
export async function demand(): Promise<Record<string, number>> {
  const totals: Record<string, number> = {};
  for (const order of await qirvo.host.orders.list({ status: "open" })) {
    for (const line of order.lines) totals[line.sku] = (totals[line.sku] ?? 0) + line.qty;
  }
  return totals;
}

/** Files a restock order for every SKU whose demand is at least `threshold`; returns the
 * new order's id, or null when nothing needs restocking. */
export async function restock(threshold: number): Promise<number | null> {
  const lines = Object.entries(await demand())
    .filter(([, qty]) => qty >= threshold)
    .map(([sku, qty]) => ({ sku, qty }));
  if (lines.length === 0) return null;
  const order = await qirvo.host.orders.create({ customer: "restock", lines });
  return order.id;
}

/** An order's summary line, or why there is none. */
export async function describe(id: number): Promise<string> {
  try {
    const order = await qirvo.host.orders.get(id);
    const units = order.lines.reduce((n, l) => n + l.qty, 0);
    return `#${order.id} for ${order.customer}: ${units} units (${order.status})`;
  } catch (e) {
    const err = e as QirvoHostCallError;
    if (err.code === "NOT_FOUND") return `no order #${id}`;
    throw e;
  }
}
