// Logs in to the portal in headless Chromium, files an incident report and
// waits until the page shows it acknowledged and listed in the history, with
// its description as inert text. Exit 0 on success, 1 with the reason.
//   node report.mjs URL ACCOUNT PASSWORD [SCREENSHOT_DIR]
import puppeteer from "puppeteer-core";

const [url, account, password, shots] = process.argv.slice(2);
const payload = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || "/usr/lib/chromium/chromium",
  headless: true,
  acceptInsecureCerts: true,  // the portal's self-signed certificate
  args: ["--no-sandbox", "--disable-gpu", "--lang=en-GB"],
});
const fail = async (why) => {
  console.error("browser test: " + why);
  await browser.close();
  process.exit(1);
};
try {
  const page = await browser.newPage();
  page.setDefaultTimeout(20000);
  await page.goto(url + "login");
  await page.type("#account", account);
  await page.type("#password", password);
  await Promise.all([page.waitForNavigation(), page.click("#login-submit")]);
  await page.waitForFunction((a) => document.getElementById("who").textContent.includes(a), {},
                             account);
  if (shots) await page.screenshot({path: shots + "/portal-dashboard.png", fullPage: true});

  await page.goto(url + "#report");
  await page.waitForSelector("#report-form", {visible: true});
  await page.type("#report-node", "web");
  await page.type("#report-technique", "T1190");
  await page.waitForFunction(() => document.getElementById("technique-name").textContent.includes("Exploit"));
  await page.type("#report-description", payload);
  if (shots) await page.screenshot({path: shots + "/portal-report.png", fullPage: true});
  await page.click("#report-submit");
  await page.waitForFunction(() => /#\d+/.test(document.getElementById("report-result").textContent));
  const ack = await page.$eval("#report-result", (e) => e.textContent);

  await page.goto(url + "#submissions");
  await page.waitForFunction((p) => [...document.querySelectorAll("#submission-list td")]
                                        .some((td) => td.textContent.includes(p)), {}, payload);
  const injected = await page.evaluate(() => ({
    img: document.querySelectorAll("#submission-list img, #submission-list script").length,
    xss: window.__xss || 0,
  }));
  if (injected.img !== 0 || injected.xss !== 0) await fail("the description was rendered as HTML");
  console.log("acknowledged: " + ack);
} catch (e) {
  await fail(e.message);
}
await browser.close();
