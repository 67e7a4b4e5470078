/** The shop's assortment: what catalog serves and what the request generator puts in carts. */
export interface Product {
  sku: string;
  name: string;
  priceCents: number;
  weightGrams: number;
}

export const PRODUCTS: readonly Product[] = [
  { sku: "MUG-001", name: "Enamel camping mug", priceCents: 1490, weightGrams: 240 },
  { sku: "TEE-014", name: "Organic cotton tee", priceCents: 2500, weightGrams: 180 },
  { sku: "BAG-203", name: "Waxed canvas tote", priceCents: 5900, weightGrams: 650 },
  { sku: "NTB-042", name: "Dot-grid notebook A5", priceCents: 1290, weightGrams: 320 },
  { sku: "PEN-007", name: "Brass fountain pen", priceCents: 4800, weightGrams: 60 },
  { sku: "CAP-118", name: "Six-panel wool cap", priceCents: 3200, weightGrams: 110 },
  { sku: "LMP-330", name: "Beech desk lamp", priceCents: 8900, weightGrams: 1400 },
  { sku: "SCK-052", name: "Merino hiking socks", priceCents: 1900, weightGrams: 90 },
];

export const PRODUCTS_BY_SKU: ReadonlyMap<string, Product> = new Map(PRODUCTS.map((p) => [p.sku, p]));
