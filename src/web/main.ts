/**
 * The dashboard's entry: a hash router (#/, #/proposals, #/proposals/:id, #/proposals/:id/rollout,
 * #/traces/:traceId?proposal=:id) and the token form. Pages read the API with the token kept in
 * sessionStorage (api.ts); a failed read shows the API's code in the alert region.
 */
import { token } from "./api.ts";
import { h } from "./dom.ts";
import { graphView, leaveGraph } from "./graph-view.ts";
import { describeError, proposalsView, proposalView, showAlert } from "./proposal-view.ts";
import { rolloutView } from "./rollout-view.ts";
import { traceView } from "./trace-view.ts";

const main = document.getElementById("main") as HTMLElement;

async function route() {
  const [path, query = ""] = location.hash.replace(/^#/, "").split("?");
  const params = new URLSearchParams(query);
  const parts = path.split("/").filter(Boolean);
  if (parts[0] !== undefined || path === "") leaveGraph();
  showAlert(null);
  if (!token.get()) {
    main.replaceChildren(
      h("h1", {}, "nanofuse"),
      h(
        "p",
        {},
        "Enter an API token above (nanofuse prints one on its first start, or `nanofuse token create`). It is kept in this tab's session storage only.",
      ),
    );
    (document.getElementById("token-input") as HTMLInputElement).focus();
    return;
  }
  main.replaceChildren(h("p", { role: "status" }, "Loading…"));
  try {
    if (parts.length === 0) await graphView(main, params);
    else if (parts[0] === "proposals" && parts.length === 1) await proposalsView(main);
    else if (parts[0] === "proposals" && parts[2] === "rollout") await rolloutView(main, Number(parts[1]));
    else if (parts[0] === "proposals") await proposalView(main, Number(parts[1]));
    else if (parts[0] === "traces") await traceView(main, parts[1], params);
    else main.replaceChildren(h("h1", {}, "Not found"), h("p", {}, h("a", { href: "#/" }, "Service graph")));
  } catch (error) {
    main.replaceChildren(h("h1", {}, "Could not load this page"));
    showAlert(describeError(error));
  }
}

function tokenForm() {
  const form = document.getElementById("token-form") as HTMLFormElement;
  const input = document.getElementById("token-input") as HTMLInputElement;
  const state = document.getElementById("token-state") as HTMLElement;
  const show = () => {
    state.textContent = token.get() ? "token set" : "no token";
  };
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (input.value.trim()) token.set(input.value);
    input.value = "";
    show();
    void route();
  });
  (document.getElementById("token-forget") as HTMLButtonElement).addEventListener("click", () => {
    token.forget();
    show();
    void route();
  });
  show();
}

tokenForm();
window.addEventListener("hashchange", () => void route());
void route();
