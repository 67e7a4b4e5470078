/** A small element builder: the views write DOM nodes, never HTML strings, so no figure is ever parsed as markup. */
type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | ((event: Event) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === "function") element.addEventListener(name.replace(/^on/, ""), value);
    else if (value === true) element.setAttribute(name, "");
    else element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

const SVG = "http://www.w3.org/2000/svg";

export function s(tag: string, attrs: Record<string, string | number> = {}, ...children: (Node | string)[]) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
  for (const child of children) element.append(child);
  return element;
}

/** A table with a caption, numeric columns right-aligned. */
export function table(caption: string, head: string[], rows: Child[][], numeric: number[] = []) {
  return h(
    "table",
    {},
    h("caption", { class: "muted" }, caption),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        ...head.map((t, i) => h("th", { scope: "col", class: numeric.includes(i) ? "num" : null }, t)),
      ),
    ),
    h(
      "tbody",
      {},
      ...rows.map((r) =>
        h("tr", {}, ...r.map((c, i) => h("td", { class: numeric.includes(i) ? "num" : null }, c))),
      ),
    ),
  );
}

/** Replaces an element's children, leaving out the absent ones. */
export function mount(element: Element, ...children: Child[]) {
  element.replaceChildren(
    ...children
      .filter((c): c is Node | string | number => c !== null && c !== undefined && c !== false)
      .map((c) => (c instanceof Node ? c : String(c))),
  );
}
