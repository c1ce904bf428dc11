// The browser console on a real node in headless Chromium: blue1 logs in,
// opens its team's node from the dashboard, logs in on the serial console
// (root without a password on micro), runs a command (`uname -a`) and sees
// its output in the xterm; the white cell then closes the console and
// blue1's page says so. Exit 0 on success, 1 naming the step that failed.
//   node console.mjs URL BLUE BLUE_PASSWORD WHITE WHITE_PASSWORD NODE [SCREENSHOT_DIR]
// Another login and command (a debian node's scenario account):
//   LF_CONSOLE_USER, LF_CONSOLE_PASSWORD (typed at "Password:"),
//   LF_CONSOLE_COMMAND, LF_CONSOLE_EXPECT (a regular expression its output
//   must show), LF_CONSOLE_SHOT (the screenshot's name, default portal-console).
import puppeteer from "puppeteer-core";

const [url, blue, bluePassword, white, whitePassword, node, shots] = process.argv.slice(2);
const env = process.env;
const user = env.LF_CONSOLE_USER || "root";
const password = env.LF_CONSOLE_PASSWORD;
const command = env.LF_CONSOLE_COMMAND || "uname -a";
const expect = new RegExp(env.LF_CONSOLE_EXPECT || "Linux \\S+ \\d+\\.\\d+");
const shotName = env.LF_CONSOLE_SHOT || "portal-console";
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || "/usr/lib/chromium/chromium",
  headless: true,
  acceptInsecureCerts: true,  // the portal's self-signed certificate
  args: ["--no-sandbox", "--disable-gpu", "--lang=en-GB"],
  defaultViewport: {width: 1100, height: 700},
});
let step = "start";
const fail = async (why) => {
  console.error(`browser console test, step "${step}": ${why}`);
  await browser.close();
  process.exit(1);
};
// What the xterm shows (its buffer, not the pixels).
const screen = (page) => page.evaluate(() => {
  const b = window.lfConsole.term.buffer.active;
  const lines = [];
  // A row the terminal wrapped continues the line above.
  for (let i = 0; i < b.length; ++i) {
    const l = b.getLine(i);
    if (l.isWrapped && lines.length) lines[lines.length - 1] += l.translateToString(true);
    else lines.push(l.translateToString(true));
  }
  return lines.join("\n");
});
const waitScreen = async (page, re, ms) => {
  const end = Date.now() + ms;
  for (;;) {
    const s = await screen(page);
    if (re.test(s)) return s;
    if (Date.now() > end) throw new Error(`no ${re} on the console after ${ms} ms; it shows:\n${s}`);
    await new Promise((r) => setTimeout(r, 250));
  }
};

async function login(account, password) {
  const ctx = await browser.createBrowserContext();
  const page = await ctx.newPage();
  page.setDefaultTimeout(30000);
  await page.goto(url + "login");
  await page.type("#account", account);
  await page.type("#password", password);
  await Promise.all([page.waitForNavigation(), page.click("#login-submit")]);
  await page.waitForFunction((a) => document.getElementById("who").textContent.includes(a), {},
                             account);
  return page;
}

try {
  step = "blue logs in";
  const page = await login(blue, bluePassword);
  step = "the dashboard links the node's console";
  const link = await page.waitForSelector(`a.console-link[href*="node=${node}&"]`);
  await Promise.all([page.waitForNavigation(), link.click()]);
  step = "the console connects";
  await page.waitForFunction(() => window.lfConsole &&
                             window.lfConsole.ws.readyState === WebSocket.OPEN);
  // The getty's prompt (press Enter for a fresh one).
  step = "the login prompt";
  await page.keyboard.press("Enter");
  await waitScreen(page, /login:/, 30000);
  step = user + " logs in";
  await page.keyboard.type(user + "\n");
  if (password !== undefined) {
    await waitScreen(page, /Password: *$/m, 20000);
    await page.keyboard.type(password + "\n");
  }
  await waitScreen(page, /[#$] *$/m, 30000);
  step = command;
  await page.keyboard.type(command + "\n");
  const s = await waitScreen(page, expect, 30000);
  console.log("console: " + s.split("\n").find((l) => expect.test(l)).trim());
  if (shots) await page.screenshot({path: `${shots}/${shotName}.png`});

  step = "white closes the console";
  const w = await login(white, whitePassword);
  const res = await w.evaluate(async (n, t) => {
    const me = await (await fetch("/api/me")).json();
    const r = await fetch("/api/consoles/close", {
      method: "POST", headers: {"Content-Type": "application/json", "X-CSRF-Token": me.csrf},
      body: JSON.stringify({node: n, team: t})});
    return {status: r.status, body: await r.json()};
  }, node, blue);
  if (res.status !== 200) throw new Error("close answered " + res.status + " " + JSON.stringify(res.body));
  step = "blue's page shows the console closed";
  await page.waitForFunction(() => window.lfConsole.ws.readyState === WebSocket.CLOSED);
  const state = await page.$eval("#console-state", (e) => e.textContent);
  if (!/white/.test(state)) throw new Error("the page says: " + state);
  console.log("closed: " + state + " viewers " + JSON.stringify(res.body.viewers));
} catch (e) {
  await fail(e.message);
}
await browser.close();
