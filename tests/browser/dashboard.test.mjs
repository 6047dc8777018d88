// Drives the dashboard through an outage as an operations officer would (see dashboard.sh). Each live
// transition must show within the 2-second bound of the issue: from the switch for the central state,
// and from the device's next heartbeat (1 s apart here) for the backlog.
import { chromium } from "playwright-core";
import { execFileSync, execSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import assert from "node:assert/strict";

const env = process.env;
const BOUND_MS = 2000;
const HEARTBEAT_MS = 1000;
mkdirSync(env.PROFILE, { recursive: true });

const ctl = (...args) => execFileSync(env.CTL_BIN, ["--server", env.BASE_URL, "--ca", env.CA_FILE, "--token", env.ADMIN_TOKEN, ...args], { stdio: "pipe" });
let doc = 0;
const record = () => {
  doc += 1;
  execFileSync(env.CHECKPOINT_BIN, ["record", "--data-dir", env.DATA_DIR, "--direction", "entry", "--lane", "1",
    "--doc-number", "BRW" + String(doc).padStart(6, "0"), "--doc-country", "ALB", "--nationality", "ALB",
    "--surname", "BROWSER", "--birth-date", "1990-01-01", "--sex", "F"], { stdio: "pipe" });
};
const step = (name) => console.error("[browser] " + name);

const context = await chromium.launchPersistentContext(env.PROFILE, {
  executablePath: env.CHROMIUM,
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    // The test's own server certificate, by its key, and nothing else (see dashboard.sh).
    "--ignore-certificate-errors-spki-list=" + env.SERVER_SPKI],
  viewport: { width: 1600, height: 900 },
});
const errors = [];
let failed = false;
try {
  const page = context.pages()[0] || (await context.newPage());
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => { if (m.type() === "error" && !/status of (401|503)/.test(m.text())) errors.push(m.text()); });
  const shot = (name) => page.screenshot({ path: `${env.OUTPUT}/${name}.png` });
  const row = page.locator('#fleet-rows tr[data-checkpoint="KAKAVIJE"]');
  const backlog = row.locator('td[data-field="pending"]');

  step("sign in");
  await page.goto(env.BASE_URL + "/");
  await page.locator("#sign-in-form").waitFor({ state: "visible", timeout: 10000 });
  await shot("01-sign-in");
  await page.fill("#token", "not-a-token");
  await page.click("#sign-in-form button");
  await page.locator("#sign-in-error").filter({ hasText: /unknown|revoked/ }).waitFor({ timeout: 5000 });
  await page.fill("#token", env.OPS_TOKEN);
  await page.click("#sign-in-form button");

  step("the demo checkpoint, online");
  await page.locator('#fleet-rows tr[data-checkpoint="KAKAVIJE"][data-state="online"]').waitFor({ timeout: 10000 });
  const cookies = await context.cookies();
  assert.ok(cookies.length > 0 && cookies.every((c) => c.secure && c.httpOnly), "the session cookie is Secure and HttpOnly over HTTPS");
  await page.locator("#stream-pill", { hasText: "Live" }).waitFor({ timeout: 5000 });
  await page.locator("#fig-waiting", { hasText: "17" }).waitFor({ timeout: 5000 });
  assert.equal(await page.locator("#pills").isVisible(), true);
  await shot("02-fleet-online");

  step("central offline, live");
  ctl("central-offline", "on", "--reason", "browser test");
  await row.and(page.locator('[data-state="central_offline"]')).waitFor({ timeout: BOUND_MS });
  await page.locator("#central-pill", { hasText: "Central offline" }).waitFor({ timeout: BOUND_MS });
  await row.getByText("Central offline").waitFor({ timeout: BOUND_MS });

  step("records made meanwhile climb in the backlog");
  for (let i = 0; i < 3; i++) record();
  await backlog.filter({ hasText: /^3$/ }).waitFor({ timeout: HEARTBEAT_MS + BOUND_MS });
  for (let i = 0; i < 4; i++) record();
  await backlog.filter({ hasText: /^7$/ }).waitFor({ timeout: HEARTBEAT_MS + BOUND_MS });
  await page.locator("#fig-backlog", { hasText: "7" }).waitFor({ timeout: BOUND_MS });
  await shot("03-central-offline-backlog");

  step("central back: online and drained, live");
  ctl("central-offline", "off");
  await row.and(page.locator('[data-state="online"]')).waitFor({ timeout: BOUND_MS });
  // The daemon retries within its backoff cap (1 s here), then its heartbeat says 0.
  await backlog.filter({ hasText: /^0$/ }).waitFor({ timeout: HEARTBEAT_MS + BOUND_MS });
  await shot("04-drained");

  step("the checkpoint page");
  await row.locator("a").click();
  await page.locator('#device-rows tr[data-device="KAK-01"]').waitFor({ timeout: 5000 });
  await page.locator('#lane-rows tr[data-lane="2"]').waitFor({ timeout: 5000 });
  const title = await page.locator("#cp-name").textContent();
  assert.equal(title, "KAKAVIJE");
  const hover = await page.locator('#device-rows tr[data-device="KAK-01"] time').first().getAttribute("title");
  assert.match(hover, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} UTC$/, "exact UTC time on hover");
  await page.screenshot({ path: `${env.OUTPUT}/05-checkpoint.png`, fullPage: true });
  await page.goto(env.BASE_URL + "/");
  await row.waitFor({ timeout: 5000 });

  step("PostgreSQL stops: the view stays and says so");
  execSync(env.PG_STOP, { stdio: "pipe" });
  await page.locator("#db-pill", { hasText: "Database unavailable" }).waitFor({ timeout: BOUND_MS + 1000 });
  await page.locator("#banner-db", { hasText: "Database unavailable" }).waitFor({ timeout: BOUND_MS });
  await row.waitFor({ timeout: 1000 });
  // Heartbeats still arrive: a new record shows in the backlog though nothing can sync.
  record();
  await backlog.filter({ hasText: /^1$/ }).waitFor({ timeout: HEARTBEAT_MS + BOUND_MS });
  await shot("06-database-unavailable");

  step("the server goes: the view is marked stale");
  process.kill(Number(env.SERVER_PID), "SIGKILL");
  await page.locator("#banner-stale", { hasText: "Stale" }).waitFor({ timeout: BOUND_MS + 1000 });
  await page.locator("#stream-pill", { hasText: "Stale" }).waitFor({ timeout: 1000 });
  await shot("07-stale");

  assert.deepEqual(errors, [], "the page logged errors");
  step("done");
} catch (e) {
  failed = true;
  console.error(e);
  try {
    await context.pages()[0].screenshot({ path: `${env.OUTPUT}/failure.png` });
  } catch { /* the page may be gone */ }
} finally {
  await context.close();
}
process.exit(failed ? 1 : 0);
