/**
 * The dashboard in a real browser (Chromium through playwright-core) against `nanofuse serve` on a
 * fresh store, which replays the shop recording on its first start: the graph shows the shop's 14
 * units, a proposal is opened and approved with the token the server printed, a wrong token and a
 * viewer's token are refused with their codes, an exemplar trace is drawn re-timed under the
 * proposal, and the rollout page says what it lacks. The screenshots in docs/screenshots/ (shown in
 * the README) are taken here, written there by `npm run screenshots`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./browser.ts";

const bin = fileURLToPath(new URL("../../bin/nanofuse.js", import.meta.url));
// The README's screenshots are re-taken by `npm run screenshots`; other runs leave the checkout alone.
const shots = process.env.NANOFUSE_SCREENSHOTS
  ? fileURLToPath(new URL("../../docs/screenshots/", import.meta.url))
  : mkdtempSync(join(tmpdir(), "nanofuse-screenshots-"));

let child: ChildProcess;
let exited: Promise<number | null>;
let url: string;
let adminToken: string;
let browser: Browser;

/** Proposal 1 as the API gives it (the first start's plan of the shop). */
async function proposalOne(): Promise<{ groups: string[][] }> {
  const response = await fetch(`${url}/api/proposals/1`, {
    headers: { authorization: `Bearer ${adminToken}` },
  });
  return (await response.json()).proposal.plan;
}

function serve(store: string): Promise<{ url: string; token: string }> {
  child = spawn("node", [bin, "serve", "--store", store, "--port", "0", "--otlp-port", "0"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  exited = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
  let out = "";
  let err = "";
  child.stderr?.on("data", (c) => {
    err += c;
  });
  return new Promise((resolve, reject) => {
    child.stdout?.on("data", (chunk) => {
      out += chunk;
      if (/^stop: /m.test(out)) {
        // The address the banner tells people to open.
        const api = /^open: {3}(http:\/\/127\.0\.0\.1:\d+)\/ /m.exec(out)?.[1];
        const token = /export NANOFUSE_TOKEN=(nf_\S+)/.exec(out)?.[1];
        if (api && token) resolve({ url: api, token });
        else reject(new Error(`serve printed no dashboard address or token: ${out}`));
      }
    });
    exited.then((code) => reject(new Error(`serve exited with ${code} before it was ready: ${err}`)));
  });
}

/** Form controls without an accessible name (a label, aria-label or aria-labelledby). */
function unlabelled(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll("input, select, textarea, button")]
      .filter((c) => {
        const control = c as HTMLInputElement;
        if (control.type === "hidden") return false;
        const named =
          control.labels?.length ||
          control.getAttribute("aria-label") ||
          control.getAttribute("aria-labelledby");
        const text = control.tagName === "BUTTON" && control.textContent?.trim();
        return !named && !text;
      })
      .map((c) => c.outerHTML.slice(0, 80)),
  );
}

async function openWithToken(page: Page, token: string, hash = "#/") {
  await page.goto(`${url}/${hash}`);
  await page.getByLabel("API token").fill(token);
  await page.getByRole("button", { name: "Use token" }).click();
}

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), "nanofuse-web-"));
  [{ url, token: adminToken }, browser] = await Promise.all([serve(join(dir, "store")), launchChromium()]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (child && child.exitCode === null) {
    child.kill("SIGINT");
    await exited;
  }
  // Stopping writes the last windows and closes the embedded store: seconds on a busy machine.
}, 60_000);

describe("the dashboard served by nanofuse serve", () => {
  it("serves its page and script without a token, and no data without one", async () => {
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(await page.text()).toContain('src="assets/app.js"');
    // Bodies are read to the end: an unread one keeps its connection busy, and the server's stop waits for it.
    const status = async (path: string) => {
      const response = await fetch(`${url}${path}`);
      await response.arrayBuffer();
      return response.status;
    };
    expect(await status("/assets/app.js")).toBe(200);
    expect(await status("/assets/nothing.js")).toBe(404);
    expect(await status("/api/graph")).toBe(401);
  });

  it("shows the refusal of a wrong token in the alert", async () => {
    const page = await browser.newPage();
    await openWithToken(page, "nf_0000000000000000_wrong");
    await expect
      .poll(() => page.locator("#alert").textContent(), { timeout: 15_000 })
      .toContain("NF_AUTH_INVALID");
    expect(await page.locator("#graph").count()).toBe(0);
    await page.close();
  });

  it("draws the shop's 14 units and 14 calls with the proposal's groups; figures on click or from the keyboard; every control labelled", async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await openWithToken(page, adminToken);
    const graph = page.locator("#graph[data-rendered-nodes]");
    await graph.waitFor({ timeout: 20_000 });
    expect(await graph.getAttribute("data-rendered-nodes")).toBe("14");
    expect(await graph.getAttribute("data-rendered-edges")).toBe("14");
    const { groups } = await proposalOne();
    const several = groups.filter((g) => g.length > 1).length;
    expect(await page.locator("#graph-summary").textContent()).toMatch(
      new RegExp(
        `^14 units, 14 calls; proposal 1: ${groups.length} deployments, ${several} of several units, \\d+ calls in-process\\.$`,
      ),
    );
    // The token is kept in the tab's session storage, never in the address.
    expect(page.url()).not.toContain(adminToken);
    expect(await page.evaluate(() => sessionStorage.getItem("nanofuse.token"))).toBe(adminToken);

    expect(await unlabelled(page)).toEqual([]);
    // From the keyboard: a unit's button in the table picks it in the graph.
    await page.getByRole("button", { name: "Show cart in the graph" }).focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator("#figures h3").textContent()).toBe("cart");
    await page.getByRole("button", { name: "Show checkout in the graph" }).click();
    await expect.poll(() => page.locator("#figures").textContent()).toContain("critical-path time");
    expect(await page.locator("#figures h3").textContent()).toBe("checkout");
    await page.getByLabel("before (current)").check();
    await expect
      .poll(() => page.locator("#graph-summary").textContent())
      .toContain("current clustering: 14 deployments");
    await page.getByLabel(/after \(proposal 1\)/).check();
    await page.getByRole("button", { name: "Clear selection" }).click();
    await page.screenshot({ path: join(shots, "graph.png") });
    await page.close();
  });

  it("opens the proposal, approves it with the token and shows the new state and audit entry", async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await openWithToken(page, adminToken);
    await page.getByRole("link", { name: "Open proposal 1" }).click();
    const state = page.locator("#proposal-state");
    await state.waitFor();
    expect(await state.textContent()).toBe("pending_approval");
    const { groups } = await proposalOne();
    expect(await page.locator("main").textContent()).toContain(`${groups.length} deployments instead of 14`);
    await page.screenshot({ path: join(shots, "proposal.png"), fullPage: true });
    expect(await unlabelled(page)).toEqual([]);

    await page.getByLabel("Reason (optional)").fill("checked the evidence");
    await page.getByRole("button", { name: "Approve" }).click();
    await expect.poll(() => state.textContent(), { timeout: 15_000 }).toBe("approved");
    expect(await page.locator("main").textContent()).toContain("checked the evidence");
    expect(await page.getByRole("button", { name: "Start rollout" }).count()).toBe(1);
    await page.close();
  });

  it("refuses an approval through a viewer's token and says why", async () => {
    const created = await fetch(`${url}/api/tokens`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "watcher", role: "viewer" }),
    });
    expect(created.status).toBe(201);
    const viewer = ((await created.json()) as { token: string }).token;
    const page = await browser.newPage();
    await openWithToken(page, viewer, "#/proposals/1");
    await page.locator("#proposal-state").waitFor({ timeout: 15_000 });
    await page.getByLabel("Reason (required)").fill("not mine to decide");
    await page.getByRole("button", { name: "Reject" }).click();
    await expect
      .poll(() => page.locator("#alert").textContent(), { timeout: 15_000 })
      .toContain("NF_FORBIDDEN");
    expect(await page.locator("#proposal-state").textContent()).toBe("approved");
    await page.close();
  });

  it("draws an exemplar trace's critical path beside its re-timing under the proposal", async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await openWithToken(page, adminToken, "#/proposals/1");
    await page.locator("#evidence-h").waitFor({ timeout: 15_000 });
    await page.locator("article.merge a").first().click();
    const summary = page.locator("#whatif-summary-1");
    await summary.waitFor({ timeout: 15_000 });
    expect(await summary.textContent()).toMatch(/^In-process under the proposal: .*pricing → tax/);
    expect(await page.locator("#recorded-1 rect.bar-net").count()).toBeGreaterThan(0);
    expect(await page.locator("#whatif-1 rect.bar-fused").count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(shots, "trace.png"), fullPage: true });
    await page.close();
  });

  it("shows the rollout page of a proposal without a rollout, saying what is missing", async () => {
    const page = await browser.newPage();
    await openWithToken(page, adminToken, "#/proposals/1/rollout");
    await page.getByRole("heading", { name: "Rollout of proposal 1" }).waitFor({ timeout: 15_000 });
    // The rollout routes answer 200 with no rollout in it: nothing is missing from the server.
    expect(await page.locator("#rollout-note").count()).toBe(0);
    expect(await page.locator("#rollout-none").textContent()).toBe(
      "No rollout was started for this proposal.",
    );
    await page.close();
  });

  it("stays usable with 1,000 units: every node drawn, the heaviest edges, a table page and a search", async () => {
    const units = Array.from({ length: 1000 }, (_, i) => `u${String(i).padStart(4, "0")}`);
    const nodes = units.map((unit, i) => ({
      unit,
      spans: 10,
      errors: 0,
      criticalPathUs: (i * 7919) % 100_000,
      coldStarts: 0,
      coldStartCriticalPathUs: 0,
      weightedDegree: 1,
      betweenness: 0,
    }));
    const links = units.slice(1).flatMap((unit, k) => {
      const i = k + 1;
      const parent = {
        from: units[Math.floor((i - 1) / 3)],
        to: unit,
        calls: 5,
        criticalPathNetworkUs: i * 10,
      };
      const other = units[(i * 7) % 1000];
      return other === unit || other === parent.from
        ? [parent]
        : [parent, { from: unit, to: other, calls: 1, criticalPathNetworkUs: i }];
    });
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    // Only the graph is made up: the page, the token check and the proposals are the server's.
    await page.route(`${url}/api/graph`, (route) => route.fulfill({ json: { nodes, links } }));
    await openWithToken(page, adminToken, "#/?view=before");
    const graph = page.locator("#graph[data-rendered-nodes]");
    await graph.waitFor({ timeout: 30_000 });
    expect(await graph.getAttribute("data-rendered-nodes")).toBe("1000");
    expect(await graph.getAttribute("data-rendered-edges")).toBe(String(links.length));
    expect(await page.locator("#graph-summary").textContent()).toMatch(
      /^1000 units, \d+ calls; current clustering/,
    );
    expect(await page.locator("tbody tr").count()).toBe(50);
    await page.getByLabel("Find a unit").fill("u0777");
    await page.getByLabel("Find a unit").press("Enter");
    await expect.poll(() => page.locator("#figures h3").textContent(), { timeout: 10_000 }).toBe("u0777");
    await page.getByRole("button", { name: "Show all 1000 units" }).click();
    expect(await page.locator("tbody tr").count()).toBe(1000);
    await page.close();
  });

  it("plots control against candidate and shows the judge's verdict from the rollout route", async () => {
    const latencies = (n: number, base: number) =>
      Array.from({ length: n }, (_, i) => base + ((i * 7919) % 50_000));
    const difference = (control: number, candidate: number) => ({
      control,
      candidate,
      estimate: candidate - control,
      low: candidate - control - 3000,
      high: candidate - control + 3000,
    });
    // In the shape of the rollout branch's GET /api/proposals/{id}/rollout: counts, and the judge's verdict now.
    const status = {
      rollout: {
        id: 1,
        variant: "candidate",
        trafficShare: 0.1,
        startedAt: "2026-12-04T00:00:00.000Z",
        endedAt: null,
        outcome: null,
        judgements: [],
        policy: {},
        automatic: false,
      },
      observations: {
        control: { requests: 402, errors: 2, latencies: 400 },
        candidate: { requests: 401, errors: 1, latencies: 400 },
      },
      judgement: {
        verdict: "promote",
        reason: "candidate_faster",
        explanation: "The candidate is faster at look 2 of 5.",
        latency: {
          pValue: 0.0001,
          cliffsDelta: 0.62,
          probabilityCandidateFaster: 0.81,
          p50: difference(114_700, 84_700),
          p95: difference(137_400, 107_400),
        },
        errors: {
          control: { rate: 0.005 },
          candidate: { rate: 0.0025 },
          increase: { estimate: -0.0025, low: -0.012, high: 0.007 },
          tripped: false,
        },
        samples: { control: 400, candidate: 400 },
      },
      applies: [],
    };
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    // The rollout routes are another branch's: their answers are made up here, in the shape they have there.
    await page.route(`${url}/api/proposals/1/rollout`, (route) => route.fulfill({ json: status }));
    await openWithToken(page, adminToken, "#/proposals/1/rollout");
    await page.locator("#verdict").waitFor({ timeout: 15_000 });
    const verdict = await page.locator("#verdict").textContent();
    expect(verdict).toContain("Verdict: promote (candidate faster)");
    expect(verdict).toContain("Cliff's delta (positive: candidate faster)0.62");
    // Without the samples: the judge's quantiles per variant.
    expect(await page.locator("#rollout-quantiles circle.control").count()).toBe(2);
    expect(await page.locator("#rollout-plot").count()).toBe(0);

    // With them: the two distributions.
    await page.route(`${url}/api/proposals/1/rollout/latencies`, (route) =>
      route.fulfill({ json: { control: latencies(400, 90_000), candidate: latencies(400, 60_000) } }),
    );
    await page.reload();
    await page.locator("#rollout-plot").waitFor({ timeout: 15_000 });
    expect(await page.locator("#rollout-plot path.control").count()).toBe(1);
    expect(await page.locator("#rollout-plot path.candidate").count()).toBe(1);
    await page.screenshot({ path: join(shots, "rollout.png"), fullPage: true });
    await page.close();
  });
});
