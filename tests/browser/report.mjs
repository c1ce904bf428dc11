// The portal in headless Chromium: blue1 logs in, files an incident report
// and sees it acknowledged and listed with its description as inert text;
// the white cell logs in and grades it; blue1's history then shows the
// grade, live, and then the white cell's message on its dashboard. Exit 0
// on success, 1 with the reason.
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
// Each wait runs under a name, so a timeout says which step never happened.
let step = "start";
const at = async (name, wait) => {
  step = name;
  return await wait;
};
const shot = async (page, name) => {
  if (shots) await page.screenshot({path: `${shots}/${name}.png`, fullPage: true});
};

// The ATT&CK list (/assets/attack.tsv) of blue1's page is held back until
// the technique has been typed, as happens on a loaded host: the name must
// still show once the list arrives.
let heldList = null, listReleased = false;
const releaseList = () => {
  listReleased = true;
  if (heldList) heldList.continue();
};

async function login(account, password, holdList = false) {
  const ctx = await browser.createBrowserContext();  // its own cookies
  const page = await ctx.newPage();
  page.setDefaultTimeout(20000);
  if (holdList) {
    await page.setRequestInterception(true);
    page.on("request", (r) => {
      if (r.url().endsWith("/assets/attack.tsv") && !listReleased) heldList = r;
      else r.continue();
    });
  }
  await at(account + ": open the login page", page.goto(url + "login"));
  await page.type("#account", account);
  await page.type("#password", password);
  await at(account + ": log in",
           Promise.all([page.waitForNavigation(), page.click("#login-submit")]));
  await at(account + ": the page names the account",
           page.waitForFunction((a) => document.getElementById("who").textContent.includes(a), {},
                                account));
  return page;
}

try {
  const page = await login(blue, bluePassword, true);

  await at("open #report", page.goto(url + "#report"));
  await at("the report form shows", page.waitForSelector("#report-form", {visible: true}));
  await page.type("#report-node", "web");
  await page.type("#report-technique", "T1190");
  releaseList();
  await at("the technique's name shows", page.waitForFunction(() =>
    document.getElementById("technique-name").textContent.includes("Exploit Public-Facing")));
  await page.type("#report-description", payload);
  await shot(page, "portal-report");
  await page.click("#report-submit");
  await at("the report is acknowledged", page.waitForFunction(() =>
    /#\d+/.test(document.getElementById("report-result").textContent)));
  const ack = await page.$eval("#report-result", (e) => e.textContent);
  const seq = ack.match(/#(\d+)/)[1];

  await at("open #submissions", page.goto(url + "#submissions"));
  await at("the report is listed in the history",
           page.waitForFunction((p) => [...document.querySelectorAll("#submission-list td")]
                                           .some((td) => td.textContent.includes(p)), {}, payload));
  const injected = await page.evaluate(() => ({
    nodes: document.querySelectorAll("#submission-list img, #submission-list script").length,
    xss: window.__xss || 0,
  }));
  if (injected.nodes !== 0 || injected.xss !== 0) await fail("the description was rendered as HTML");
  console.log("acknowledged: " + ack);

  // The white cell grades it from its own session.
  const w = await login(white, whitePassword);
  await at("white: open #white", w.goto(url + "#white"));
  await at("the grade form shows", w.waitForSelector("#grade-form", {visible: true}));
  await w.type("#grade-team", blue);
  await w.type("#grade-seq", seq);
  await w.type("#grade-points", "10");
  await w.type("#grade-comment", "good catch");
  await w.click("#grade-form button[type=submit]");
  await at("the grade is accepted", w.waitForFunction(() =>
    document.getElementById("white-result").textContent === "ok"));

  // blue1's open page shows the grade without reloading (its live feed).
  await at("blue1's history shows the grade (live feed)",
           page.waitForFunction(() => [...document.querySelectorAll("#submission-list td")]
                                          .some((td) => td.textContent.includes("good catch"))));
  await shot(page, "portal-submissions");
  console.log("graded: #" + seq);

  // The white cell writes to blue1; its open dashboard shows the message
  // live, as text.
  await w.$eval("#message-to", (e) => { e.value = ""; });
  await w.type("#message-to", blue);
  await w.type("#message-text", "Inject 3 is late: hand in the press statement by 11:00. " + payload);
  await w.$eval("#white-result", (e) => { e.textContent = ""; });  // the grade's "ok"
  await w.click("#message-form button[type=submit]");
  await at("the message is accepted", w.waitForFunction(() =>
    document.getElementById("white-result").textContent === "ok"));
  await at("open #dashboard", page.goto(url + "#dashboard"));
  await at("blue1's dashboard shows the message (live feed)",
           page.waitForFunction(() => [...document.querySelectorAll("#messages td")]
                                          .some((td) => td.textContent.includes("press statement"))));
  const inMessages = await page.evaluate(() => ({
    nodes: document.querySelectorAll("#messages img, #messages script").length,
    xss: window.__xss || 0,
  }));
  if (inMessages.nodes !== 0 || inMessages.xss !== 0) await fail("the message was rendered as HTML");
  await shot(page, "portal-dashboard");
  console.log("message shown");

  await at("open the scoreboard", page.goto(url + "scoreboard"));
  await at("the scoreboard lists blue teams", page.waitForFunction(() =>
    document.querySelectorAll("#board-blue tbody tr").length > 0));
  await shot(page, "portal-scoreboard");
} catch (e) {
  await fail(step + ": " + e.message);
}
await browser.close();
