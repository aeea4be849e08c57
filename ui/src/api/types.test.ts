/// <reference types="vite/client" />
// (vite/client declares `?raw` imports: the document is read as text, not typed as a literal.)
import { describe, expect, expectTypeOf, it } from "vitest";
import documentText from "./openapi.json?raw";
import type { components } from "./schema";
import { FILLED_BY_API, type Page, type Project, type Service, type Volume } from "./types";

type Schemas = components["schemas"];

interface Document {
  components: { schemas: Record<string, { properties?: Record<string, object> }> };
}

describe("the helper types kept over the generated ones", () => {
  it("Page<T> is each kind's generated page", () => {
    expectTypeOf<Page<Project>>().toExtend<Schemas["Page_Project_"]>();
    expectTypeOf<Schemas["Page_Project_"]>().toExtend<Page<Project>>();
    expectTypeOf<Page<Service>>().toExtend<Schemas["Page_Service_"]>();
    expectTypeOf<Schemas["Page_Service_"]>().toExtend<Page<Service>>();
    expectTypeOf<Page<Volume>>().toExtend<Schemas["Page_Volume_"]>();
    expectTypeOf<Schemas["Page_Volume_"]>().toExtend<Page<Volume>>();
  });

  it("each field an ...Input type may leave out has a default in the API's document", () => {
    const schemas = (JSON.parse(documentText) as Document).components.schemas;
    for (const [name, fields] of Object.entries(FILLED_BY_API)) {
      for (const field of fields) {
        expect(schemas[name]?.properties?.[field], `${name}.${field}`).toHaveProperty("default");
      }
    }
  });
});
