// The portal in headless Chromium: blue1 logs in, files an incident report
// and sees it acknowledged and listed with its description as inert text;
// the white cell logs in and grades it; blue1's history then shows the
// grade, live. Exit 0 on success, 1 with the reason.
//   node report.mjs URL BLUE_ACCOUNT BLUE_PASSWORD WHITE_ACCOUNT WHITE_PASSWORD [SCREENSHOT_DIR]
import puppeteer from "puppeteer-core";

const [url, blue, bluePassword, white, whitePassword, shots] = process.argv.slice(2);
const payload = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || "/usr/lib/chromium/chromium",
  headless: true,
  acceptInsecureCerts: true,  // the portal's self-signed certificate
  args: ["--no-sandbox", "--disable-gpu", "--lang=en-GB"],
  defaultViewport: {width: 1100, height: 800},
});
const fail = async (why) => {
  console.error("browser test: " + why);
  await browser.close();
  process.exit(1);
};
const shot = async (page, name) => {
  if (shots) await page.screenshot({path: `${shots}/${name}.png`, fullPage: true});
};

async function login(account, password) {
  const ctx = await browser.createBrowserContext();  // its own cookies
  const page = await ctx.newPage();
  page.setDefaultTimeout(20000);
  await page.goto(url + "login");
  await page.type("#account", account);
  await page.type("#password", password);
  await Promise.all([page.waitForNavigation(), page.click("#login-submit")]);
  await page.waitForFunction((a) => document.getElementById("who").textContent.includes(a), {},
                             account);
  return page;
}

try {
  const page = await login(blue, bluePassword);
  await shot(page, "portal-dashboard");

  await page.goto(url + "#report");
  await page.waitForSelector("#report-form", {visible: true});
  await page.type("#report-node", "web");
  await page.type("#report-technique", "T1190");
  await page.waitForFunction(() =>
    document.getElementById("technique-name").textContent.includes("Exploit Public-Facing"));
  await page.type("#report-description", payload);
  await shot(page, "portal-report");
  await page.click("#report-submit");
  await page.waitForFunction(() => /#\d+/.test(document.getElementById("report-result").textContent));
  const ack = await page.$eval("#report-result", (e) => e.textContent);
  const seq = ack.match(/#(\d+)/)[1];

  await page.goto(url + "#submissions");
  await page.waitForFunction((p) => [...document.querySelectorAll("#submission-list td")]
                                        .some((td) => td.textContent.includes(p)), {}, payload);
  const injected = await page.evaluate(() => ({
    nodes: document.querySelectorAll("#submission-list img, #submission-list script").length,
    xss: window.__xss || 0,
  }));
  if (injected.nodes !== 0 || injected.xss !== 0) await fail("the description was rendered as HTML");
  console.log("acknowledged: " + ack);

  // The white cell grades it from its own session.
  const w = await login(white, whitePassword);
  await w.goto(url + "#white");
  await w.waitForSelector("#grade-form", {visible: true});
  await w.type("#grade-team", blue);
  await w.type("#grade-seq", seq);
  await w.type("#grade-points", "10");
  await w.type("#grade-comment", "good catch");
  await w.click("#grade-form button[type=submit]");
  await w.waitForFunction(() => document.getElementById("white-result").textContent === "ok");

  // blue1's open page shows the grade without reloading (its live feed).
  await page.waitForFunction(() => [...document.querySelectorAll("#submission-list td")]
                                       .some((td) => td.textContent.includes("good catch")));
  await shot(page, "portal-submissions");
  console.log("graded: #" + seq);

  await page.goto(url + "scoreboard");
  await page.waitForFunction(() => document.querySelectorAll("#board-blue tbody tr").length > 0);
  await shot(page, "portal-scoreboard");
} catch (e) {
  await fail(e.message);
}
await browser.close();
