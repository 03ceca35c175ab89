import { TestBed } from '@angular/core/testing';
import type { FormlyFieldConfig } from '@ngx-formly/core';
import { FormlyJsonschema } from '@ngx-formly/core/json-schema';
import { schemaForForm } from './schema-for-form';

const hostile = { formlyConfig: { template: '<img src=x onerror=alert(1)>', props: { safeHtml: true } } };

/** Every field config formly builds, nested ones included. */
function allFields(field: FormlyFieldConfig): FormlyFieldConfig[] {
  const children = Array.isArray(field.fieldGroup) ? field.fieldGroup : [];
  const array = field.fieldArray && typeof field.fieldArray === 'object' ? [field.fieldArray] : [];
  return [field, ...[...children, ...array].flatMap(allFields)];
}

describe('schemaForForm', () => {
  const schema = {
    type: 'object',
    widget: hostile,
    properties: {
      widget: { type: 'string', title: 'A field named widget', widget: hostile },
      nested: {
        type: 'object',
        properties: { deep: { type: 'string', widget: hostile } },
        additionalProperties: { type: 'string', widget: hostile },
      },
      list: { type: 'array', items: { type: 'string', widget: hostile } },
      choice: { anyOf: [{ type: 'string', widget: hostile }, { type: 'number' }] },
    },
    default: { widget: 'data is kept' },
  };

  it('drops every widget keyword at every depth, but keeps property names and data', () => {
    const cleaned = schemaForForm(schema);
    expect(JSON.stringify(cleaned)).not.toContain('formlyConfig');
    const properties = cleaned['properties'] as Record<string, Record<string, unknown>>;
    expect(properties['widget']).toEqual({ type: 'string', title: 'A field named widget' });
    expect(cleaned['default']).toEqual({ widget: 'data is kept' });
    expect(schema.widget).toBe(hostile);
  });

  it('leaves formly no author template or trusted HTML to draw', () => {
    const formly = TestBed.inject(FormlyJsonschema);
    const raw = allFields(formly.toFieldConfig(schema as Record<string, unknown>));
    // The hostile schema as it stands does reach formly's fields: the case this guards against is real.
    expect(raw.some((field) => field.template !== undefined)).toBe(true);
    const cleaned = allFields(formly.toFieldConfig(schemaForForm(schema)));
    expect(cleaned.some((field) => field.template !== undefined || field.props?.['safeHtml'] === true)).toBe(false);
  });

  it("keeps the author's property order, nested objects included, for formly to draw", () => {
    const ordered = {
      type: 'object',
      properties: {
        zone: { type: 'string' },
        apiBaseUrl: { type: 'string' },
        b: { type: 'object', properties: { second: { type: 'string' }, first: { type: 'string' } } },
      },
    };
    const formly = TestBed.inject(FormlyJsonschema);
    const root = formly.toFieldConfig(schemaForForm(ordered));
    const keys = (field: FormlyFieldConfig) => (field.fieldGroup ?? []).map((child) => child.key);
    expect(keys(root)).toEqual(['zone', 'apiBaseUrl', 'b']);
    expect(keys((root.fieldGroup ?? [])[2])).toEqual(['second', 'first']);
  });
});
