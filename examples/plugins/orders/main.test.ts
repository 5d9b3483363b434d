import { demand, describe } from "./main.ts";

// `qirvo test examples/plugins/orders` runs without the host: its API is stubbed.
qirvo.test("demand sums open orders by SKU", async () => {
  qirvo.test.stubHost("orders.list", () => [
    { id: 1, customer: "a", status: "open", lines: [{ sku: "pen", qty: 2 }] },
    { id: 2, customer: "b", status: "open", lines: [{ sku: "pen", qty: 1 }, { sku: "ink", qty: 5 }] },
  ]);
  qirvo.assert.equal(await demand(), { pen: 3, ink: 5 });
});

qirvo.test("describe reports a missing order", async () => {
  qirvo.test.stubHost("orders.get", (id: number) => {
    const e = new qirvo.errors.NotFound(`no order ${id}`) as Error & { code: string };
    e.code = "NOT_FOUND";
    throw e;
  });
  qirvo.assert.equal(await describe(9), "no order #9");
});
