/// <reference path="../../../js/qirvo.d.ts" />
import { increment, value } from "./main.ts";

qirvo.test("starts at zero", async () => {
  qirvo.assert.equal(await value(), 0);
});

qirvo.test("increments and remembers", async () => {
  qirvo.assert.equal(await increment(), 1);
  qirvo.assert.equal(await increment(), 2);
  qirvo.assert.equal(await value(), 2);
});
