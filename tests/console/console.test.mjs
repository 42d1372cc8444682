// The console in a real browser: playwright-core driving Debian's chromium against
// `riverwatch demo` on a random port. Every request the pages make is checked to stay on
// the server's origin. Screenshots go to tests/console/screenshots/.
//
// RIVERWATCH_BIN names the binary (default: the debug build in CARGO_TARGET_DIR).
import { spawn, spawnSync } from "node:child_process";
import { createServer } from "node:http";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, homedir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const shots = join(here, "screenshots");
const bin = process.env.RIVERWATCH_BIN
  || join(process.env.CARGO_TARGET_DIR || join(homedir(), ".cache", "riverwatch-target"), "debug", "riverwatch");

let demo, browser, origin, password, state;
const foreign = [];

/// Starts `riverwatch demo`; resolves with its API origin and the printed password.
function startDemo() {
  state = mkdtempSync(join(tmpdir(), "riverwatch-console-"));
  demo = spawn(bin, ["demo", "--listen", "127.0.0.1:0", "--state-dir", state], { cwd: root, stdio: ["ignore", "ignore", "pipe"] });
  return new Promise((resolve, reject) => {
    let text = "";
    const timer = setTimeout(() => reject(new Error("demo printed no login within 60 s:\n" + text)), 60_000);
    demo.stderr.on("data", (chunk) => {
      text += chunk;
      const m = text.match(/API is at (http:\/\/[^/\s]+)\/api\/v1.*"password": "([^"]+)"/);
      if (m) { clearTimeout(timer); resolve({ origin: m[1], password: m[2] }); }
    });
    demo.on("exit", (code) => reject(new Error(`demo exited ${code}:\n${text}`)));
  });
}

async function page(viewport = { width: 1366, height: 900 }, locale = "en-GB") {
  const ctx = await browser.newContext({ viewport, locale });
  const p = await ctx.newPage();
  // Nothing may leave the server's origin (blob: images are made in the page).
  p.on("request", (r) => {
    const u = r.url();
    if (!u.startsWith(origin + "/") && !u.startsWith("blob:") && !u.startsWith("data:")) foreign.push(u);
  });
  return p;
}

async function signIn(p) {
  await p.goto(origin + "/");
  await p.fill("#username", "demo");
  await p.fill("#password", password);
  await p.click("button[type=submit]");
  await p.waitForSelector("ul.alerts");
}

before(async () => {
  mkdirSync(shots, { recursive: true });
  ({ origin, password } = await startDemo());
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  await browser?.close();
  if (demo && demo.exitCode === null) {
    demo.kill("SIGINT");
    await new Promise((r) => { const t = setTimeout(() => { demo.kill("SIGKILL"); r(); }, 10_000); demo.on("exit", () => { clearTimeout(t); r(); }); });
  }
  if (state) rmSync(state, { recursive: true, force: true });
});

test("a wrong password is refused with a message", async () => {
  const p = await page();
  await p.goto(origin + "/");
  await p.fill("#username", "demo");
  await p.fill("#password", "not-the-password");
  await p.click("button[type=submit]");
  await p.waitForSelector("p.error:has-text('Wrong')");
  await p.context().close();
});

test("an officer signs in, a violation arrives live, is opened with map and snapshot, confirmed and referred", async () => {
  const p = await page();
  await signIn(p);
  // Arrives through the live stream (marked fresh), within 60 s of signing in.
  await p.waitForSelector("ul.alerts li.fresh", { timeout: 60_000 });
  // The demo's illegal berthing happens in a bridge camera's view.
  const berthing = p.locator("ul.alerts li[data-kind=illegal_berthing] a").first();
  await berthing.waitFor({ timeout: 90_000 });
  assert.ok(await p.locator("svg path.zone").count() > 10, "the river's zones are drawn");
  await p.screenshot({ path: join(shots, "alerts.png") });
  await berthing.click();
  await p.waitForSelector("h1:has-text('Illegal berthing')");
  // The map is drawn once the zones have loaded, after the heading: wait for it.
  await p.locator(".map svg path.zone").nth(10).waitFor({ timeout: 15_000 });
  assert.ok(await p.locator(".map svg path.zone").count() > 10, "the alert's map");
  assert.equal(await p.locator(".map circle.hit").count(), 1, "the alert's position highlighted");
  // The marked thumbnail, loaded.
  const img = p.locator(".snaps img").first();
  await img.waitFor();
  await p.waitForFunction(() => { const i = document.querySelector(".snaps img"); return i && i.complete && i.naturalWidth > 0; }, null, { timeout: 30_000 });
  assert.equal(await img.evaluate((i) => i.naturalWidth), 320);
  assert.match(await p.locator(".snaps code").first().innerText(), /^[0-9a-f]{64}$/);
  await p.screenshot({ path: join(shots, "alert.png"), fullPage: true });
  // Acknowledge, confirm (with a note), refer.
  for (const [action, status] of [["acknowledge", "acknowledged"], ["confirm", "confirmed"], ["refer", "referred"]]) {
    if (action === "confirm") await p.fill("#note", "moored under the bridge, photo checked");
    // Referred to the demo's agency, chosen from the list.
    if (action === "refer") await p.waitForSelector("#refer-agency option[value=env]", { state: "attached" });
    await p.click(`button[data-action=${action}]`);
    await p.waitForSelector(`#alert-status:has-text('${status}')`);
  }
  assert.ok(await p.locator(".history li:has-text('moored under the bridge')").count() === 1, "the note is in the history");
  await p.context().close();
});

test("the agency sees its referral, downloads the signed package and reports back; the officer sees the feedback", async () => {
  const add = spawnSync(bin, ["user", "add", "env.li", "--role", "agency", "--agency", "env", "--password-stdin", "--state-dir", state],
    { input: "correct horse battery\n" });
  assert.equal(add.status, 0, String(add.stderr));
  const p = await page();
  await p.goto(origin + "/");
  await p.fill("#username", "env.li");
  await p.fill("#password", "correct horse battery");
  await p.click("button[type=submit]");
  const row = p.locator("table tbody tr a").first();
  await row.waitFor();
  assert.equal(await p.locator("#nav a").count(), 1, "an agency's console has its referrals only");
  await row.click();
  await p.waitForSelector("#referral-status");
  const [file] = await Promise.all([p.waitForEvent("download"), p.click("#package")]);
  assert.match(file.suggestedFilename(), /^ref-[0-9a-f]+\.zip$/);
  await p.selectOption("#fb-status", "in_progress");
  await p.fill("#fb-case", "湖环罚〔2026〕17号");
  await p.fill("#fb-note", "vessel owner summoned");
  await p.click("form button[type=submit]");
  await p.waitForSelector("#referral-status:has-text('in progress')");
  // The alert referred to it opens (its map without the zones, which are not the agency's).
  await p.locator("ul a[href^='#/alert/']").first().click();
  await p.waitForSelector("h1:has-text('Illegal berthing')");
  assert.equal(await p.locator("[data-action]").count(), 0, "no life-cycle actions for an agency");
  await p.goBack();
  // The officers' views are not the agency's: the alert list shows its referrals instead.
  await p.goto(origin + "/#/alerts");
  await p.waitForSelector("table tbody tr");
  await p.screenshot({ path: join(shots, "agency.png") });
  await p.context().close();
  const o = await page();
  await signIn(o);
  await o.goto(origin + "/#/referrals");
  await o.locator("table tbody tr a").first().click();
  await o.waitForSelector("#referral-status:has-text('in progress')");
  await o.locator("ul a[href^='#/alert/']").first().click();
  await o.waitForSelector(".history li:has-text('湖环罚〔2026〕17号')");
  await o.context().close();
});

test("中文: the kind names and the interface switch language", async () => {
  const p = await page();
  await signIn(p);
  await p.click("#lang");
  await p.waitForSelector("#nav a:has-text('告警')");
  await p.locator("ul.alerts li a").first().waitFor({ timeout: 60_000 });
  const kinds = Object.values({
    ais_gap: "AIS信号中断", illegal_berthing: "违规停泊", position_jump: "位置跳变（疑似伪造）",
    unlicensed_dock_activity: "无证码头作业", speeding: "超速",
  });
  const text = await p.locator("ul.alerts").innerText();
  assert.ok(kinds.some((k) => text.includes(k)), "a kind name in Chinese: " + text.slice(0, 200));
  assert.equal(await p.evaluate(() => document.documentElement.lang), "zh-CN");
  await p.screenshot({ path: join(shots, "alerts-zh.png") });
  // Back to English for the next tests (the choice is remembered per browser context).
  await p.click("#lang");
  await p.context().close();
});

test("a phone-size screen renders the list and the map", async () => {
  const p = await page({ width: 390, height: 844 });
  await signIn(p);
  await p.locator("ul.alerts li a").first().waitFor({ timeout: 60_000 });
  const width = await p.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 400, `no sideways scrolling: ${width}px`);
  const list = await p.locator("ul.alerts").boundingBox();
  assert.ok(list && list.width > 300, "the list spans the screen");
  await p.screenshot({ path: join(shots, "phone.png"), fullPage: false });
  await p.context().close();
});

test("the other views load: map, vessel, zones, registry, receivers, statistics", async () => {
  const p = await page();
  await signIn(p);
  for (const [hash, sel] of [["#/map", ".map svg path.zone"], ["#/zones", "table td"], ["#/registry", "table td"],
    ["#/watchlist", "table td"], ["#/receivers", "table td"], ["#/stats", ".bars .bar"]]) {
    await p.goto(origin + "/" + hash);
    await p.locator(sel).first().waitFor({ timeout: 15_000 });
  }
  // A vessel from the map: its card, then its page.
  await p.goto(origin + "/#/map");
  await p.locator("path.vessel").first().waitFor({ timeout: 30_000 });
  await p.locator("path.vessel").first().click();
  await p.locator(".vcard a").click();
  await p.waitForSelector("h1:has-text('(4')");
  await p.context().close();
});

test("no request left the server's origin", () => {
  assert.deepEqual(foreign, []);
});

test("a configured tile server is drawn under the zones (the only other origin asked); an admin edits a registry row", async () => {
  // A stand-in tile server on loopback: a 1 x 1 PNG for every tile.
  const png = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkaPhfDwAEhAIAmnUr7gAAAABJRU5ErkJggg==", "base64");
  const asked = [];
  const tiles = createServer((req, res) => { asked.push(req.url); res.writeHead(200, { "content-type": "image/png" }); res.end(png); });
  await new Promise((r) => tiles.listen(0, "127.0.0.1", r));
  const tileOrigin = `http://127.0.0.1:${tiles.address().port}`;
  const dir = mkdtempSync(join(tmpdir(), "riverwatch-tiles-"));
  const config = join(dir, "riverwatch.toml");
  writeFileSync(config, `[console]\ntile_url = "${tileOrigin}/tiles/{z}/{x}/{y}.png"\n`);
  const add = spawnSync(bin, ["user", "add", "li", "--role", "admin", "--password-stdin", "--state-dir", join(dir, "state")],
    { input: "correct horse battery\n" });
  assert.equal(add.status, 0, String(add.stderr));
  const serve = spawn(bin, ["serve", "--data", "data/demo", "--config", config, "--listen", "127.0.0.1:0",
    "--tcp-listen", "127.0.0.1:0", "--state-dir", join(dir, "state")], { cwd: root, stdio: ["ignore", "ignore", "pipe"] });
  try {
    const where = await new Promise((resolve, reject) => {
      let text = "";
      const timer = setTimeout(() => reject(new Error("serve did not listen:\n" + text)), 30_000);
      serve.stderr.on("data", (c) => { text += c; const m = text.match(/api listening on (\S+)/); if (m) { clearTimeout(timer); resolve("http://" + m[1]); } });
    });
    const csp = (await fetch(where + "/")).headers.get("content-security-policy");
    assert.match(csp, new RegExp(`img-src 'self' blob: data: ${tileOrigin};`));
    const ctx = await browser.newContext({ viewport: { width: 1200, height: 800 } });
    const p = await ctx.newPage();
    const elsewhere = [];
    p.on("request", (r) => { const u = r.url(); if (!u.startsWith(where + "/") && !u.startsWith(tileOrigin + "/tiles/") && !u.startsWith("blob:")) elsewhere.push(u); });
    await p.goto(where + "/#/map");
    await p.fill("#username", "li");
    await p.fill("#password", "correct horse battery");
    await p.click("button[type=submit]");
    await p.goto(where + "/#/map");
    await p.locator(".map image.tile").first().waitFor({ timeout: 15_000 });
    await p.waitForFunction(() => document.querySelectorAll(".map image.tile").length > 0);
    assert.ok(asked.length > 0, "the tile server was asked");
    assert.ok(asked.every((u) => /^\/tiles\/\d+\/\d+\/\d+\.png$/.test(u)), asked.join(" "));
    // An admin edits a registry row in place.
    await p.goto(where + "/#/registry");
    const row = p.locator("table tbody tr").first();
    await row.locator("button").click();
    const owner = row.locator("input[aria-label=owner]");
    await owner.fill("Huzhou Test Shipping Co");
    await row.locator("button").click();
    await p.waitForSelector("td:has-text('Huzhou Test Shipping Co')");
    assert.deepEqual(elsewhere, []);
    await ctx.close();
  } finally {
    serve.kill("SIGINT");
    await new Promise((r) => { const t = setTimeout(() => { serve.kill("SIGKILL"); r(); }, 10_000); serve.on("exit", () => { clearTimeout(t); r(); }); });
    tiles.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
