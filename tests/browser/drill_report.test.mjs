// A trainer's drill seen in the browser (see drill_report.sh): the dashboard's banner links to the
// report page, whose plot draws every device's backlog and whose verdict turns to PASS after the drain.
import { chromium } from "playwright-core";
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import assert from "node:assert/strict";

const env = process.env;
mkdirSync(env.PROFILE, { recursive: true });
const ctl = (...args) => execFileSync(env.CTL_BIN, ["--server", env.BASE_URL, "--token", env.TRAINER_TOKEN, ...args], { stdio: "pipe" }).toString();
const simulate = (dir, count) => execFileSync(env.CHECKPOINT_BIN, ["simulate", "--data-dir", dir, "--rate", "6000/min",
  "--count", String(count), "--seed", "11"], { stdio: "pipe" });
const step = (name) => console.error("[browser] " + name);

const context = await chromium.launchPersistentContext(env.PROFILE, {
  executablePath: env.CHROMIUM,
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  viewport: { width: 1600, height: 1100 },
});
const errors = [];
let failed = false;
try {
  const page = context.pages()[0] || (await context.newPage());
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => { if (m.type() === "error" && !/status of (401|503)/.test(m.text())) errors.push(m.text()); });
  const shot = (name) => page.screenshot({ path: `${env.OUTPUT}/${name}.png`, fullPage: true });

  step("sign in as a trainer");
  await page.goto(env.BASE_URL + "/");
  await page.locator("#sign-in-form").waitFor({ state: "visible", timeout: 10000 });
  await page.fill("#token", env.TRAINER_TOKEN);
  await page.click("#sign-in-form button");
  await page.locator('#fleet-rows tr[data-checkpoint="KAKAVIJE"]').waitFor({ timeout: 10000 });

  step("start a drill: the banner links to its report");
  const started = JSON.parse(ctl("drill", "start", "--name", "Browser rehearsal", "--fault", "unavailable",
    "--checkpoint", "KAKAVIJE", "--duration", "6s", "--telemetry", "--json"));
  await page.locator("#drill-banner", { hasText: "Browser rehearsal" }).waitFor({ timeout: 5000 });
  assert.equal(await page.locator("#drill-link").getAttribute("href"), "/drills/" + started.id);
  const [dir1, dir2] = env.DATA_DIRS.split(":");
  simulate(dir1, 12);
  simulate(dir2, 5);
  await page.click("#drill-link");
  await page.waitForURL("**/drills/" + started.id);

  step("the report follows the drill: running, the backlog drawn per device");
  await page.locator("#report-name", { hasText: "Browser rehearsal" }).waitFor({ timeout: 5000 });
  await page.locator('#plot path.series[data-device="KAK-01"]').waitFor({ state: "attached", timeout: 5000 });
  await page.locator("#verdict[data-verdict=pending]").waitFor({ timeout: 5000 });
  await shot("drill-01-running");

  step("after the drain: PASS, with each device's figures");
  await page.locator("#verdict[data-verdict=pass]").waitFor({ timeout: 30000 });
  const row = page.locator('#device-rows tr[data-device="KAK-01"]');
  await row.waitFor({ timeout: 5000 });
  assert.equal(await row.locator('td[data-field="lost"]').textContent(), "0");
  assert.equal(await row.locator('td[data-field="duplicates"]').textContent(), "0");
  assert.match(await row.locator('td[data-field="drain"]').textContent(), /s$/);
  assert.equal(await page.locator("#t-records").textContent(), "17");
  assert.equal(await page.locator("#plot path.series").count(), 2);
  assert.ok((await page.locator("#plot rect.fault-unavailable").count()) >= 1, "the fault's band is drawn");
  assert.equal(await page.locator("#drill-banner").isVisible(), false);
  await shot("drill-02-report");

  step("the list of drills");
  await page.click('nav.crumbs a[href="/drills"]');
  await page.locator(`#drill-rows tr[data-drill="${started.id}"]`).waitFor({ timeout: 5000 });
  await shot("drill-03-list");
  assert.deepEqual(errors, []);
} catch (e) {
  failed = true;
  console.error(e);
  console.error("page errors:", errors);
} finally {
  await context.close();
}
process.exit(failed ? 1 : 0);
