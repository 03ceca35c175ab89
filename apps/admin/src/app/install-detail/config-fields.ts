import { ChangeDetectionStrategy, Component } from '@angular/core';
import { ReactiveFormsModule } from '@angular/forms';
import {
  type ConfigOption,
  FieldArrayType,
  FieldType,
  type FieldTypeConfig,
  FormlyAttributes,
  type FormlyFieldConfig,
  FormlyField,
  FormlyValidationMessage,
} from '@ngx-formly/core';
import { SERVER_ISSUE } from '../core/server-issues';

/*
 * The field types the JSON-schema mapping of formly produces (string, number, integer, boolean, enum,
 * object, array, null, multischema), drawn with the console's own styles: formly's themes would bring a
 * design system the console does not use. Labels come from `title`, help from `description`.
 */

const HELP = `
  @if (props.description) {
    <p class="muted small help" [id]="id + '-help'">{{ props.description }}</p>
  }
`;
const ERROR = `
  @if (showError) {
    <p class="field-error small" [id]="id + '-error'" role="alert"><formly-validation-message [field]="field" /></p>
  }
`;

@Component({
  selector: 'app-config-input',
  imports: [ReactiveFormsModule, FormlyAttributes, FormlyValidationMessage],
  template: `
    <label [for]="id">{{ props.label || key }}{{ props.required ? ' (required)' : '' }}</label>
    ${HELP}
    <input
      [id]="id"
      [type]="field.type === 'string' ? 'text' : 'number'"
      [formControl]="formControl"
      [formlyAttributes]="field"
      [attr.aria-invalid]="showError || null"
      [attr.aria-describedby]="describedBy()"
    />
    ${ERROR}
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ConfigInput extends FieldType<FieldTypeConfig> {
  protected describedBy(): string | null {
    return describedBy(this.id, !!this.props.description, this.showError);
  }
}

@Component({
  selector: 'app-config-checkbox',
  imports: [ReactiveFormsModule, FormlyAttributes, FormlyValidationMessage],
  template: `
    <label class="check">
      <input
        type="checkbox"
        [id]="id"
        [formControl]="formControl"
        [formlyAttributes]="field"
        [attr.aria-describedby]="describedBy()"
      />
      {{ props.label || key }}
    </label>
    ${HELP} ${ERROR}
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ConfigCheckbox extends FieldType<FieldTypeConfig> {
  protected describedBy(): string | null {
    return describedBy(this.id, !!this.props.description, this.showError);
  }
}

interface Choice {
  label: string;
  value: unknown;
  disabled?: boolean;
}

@Component({
  selector: 'app-config-select',
  imports: [ReactiveFormsModule, FormlyAttributes, FormlyValidationMessage],
  template: `
    <label [for]="id">{{ props.label || key }}{{ props.required ? ' (required)' : '' }}</label>
    ${HELP}
    <select
      [id]="id"
      [formControl]="formControl"
      [formlyAttributes]="field"
      [attr.aria-invalid]="showError || null"
      [attr.aria-describedby]="describedBy()"
    >
      @if (!props.required) {
        <option [ngValue]="undefined">(not set)</option>
      }
      @for (option of choices(); track $index) {
        <option [ngValue]="option.value" [disabled]="option.disabled">{{ option.label }}</option>
      }
    </select>
    ${ERROR}
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ConfigSelect extends FieldType<FieldTypeConfig> {
  protected choices(): Choice[] {
    // The JSON-schema mapping always gives an array of {label, value} for enums and consts.
    return Array.isArray(this.props.options) ? (this.props.options as Choice[]) : [];
  }

  protected describedBy(): string | null {
    return describedBy(this.id, !!this.props.description, this.showError);
  }
}

@Component({
  selector: 'app-config-object',
  imports: [FormlyField, FormlyValidationMessage],
  template: `
    @if (props.label) {
      <fieldset>
        <legend>{{ props.label }}</legend>
        ${HELP}
        @for (child of field.fieldGroup; track $index) {
          <formly-field [field]="child" />
        }
        ${ERROR}
      </fieldset>
    } @else {
      @for (child of field.fieldGroup; track $index) {
        <formly-field [field]="child" />
      }
      ${ERROR}
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ConfigObject extends FieldType {}

@Component({
  selector: 'app-config-array',
  imports: [FormlyField, FormlyValidationMessage],
  template: `
    <fieldset>
      <legend>{{ props.label || key }}</legend>
      ${HELP}
      @for (item of field.fieldGroup; track $index; let index = $index) {
        <div class="array-item">
          <formly-field [field]="item" />
          <button type="button" (click)="remove(index)">Remove item {{ index + 1 }}</button>
        </div>
      }
      <button type="button" (click)="add()">Add an item</button>
      ${ERROR}
    </fieldset>
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ConfigArray extends FieldArrayType {}

function describedBy(id: string, help: boolean, error: boolean): string | null {
  return [help ? `${id}-help` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || null;
}

/**
 * The types and the messages, worded like the server's (Ajv's) so a message reads the same whether the
 * console or the API found the problem; a server message is shown as the API wrote it.
 */
export const CONFIG_FORM_CONFIG: ConfigOption = {
  types: [
    { name: 'string', component: ConfigInput },
    { name: 'number', component: ConfigInput },
    { name: 'integer', component: ConfigInput },
    { name: 'boolean', component: ConfigCheckbox },
    { name: 'enum', component: ConfigSelect },
    { name: 'object', component: ConfigObject },
    { name: 'multischema', component: ConfigObject },
    { name: 'null', component: ConfigObject },
    { name: 'array', component: ConfigArray },
  ],
  validationMessages: [
    { name: SERVER_ISSUE, message: (error: unknown) => String(error) },
    { name: 'required', message: 'is required' },
    { name: 'type', message: 'has the wrong type' },
    { name: 'min', message: (_error: unknown, field: FormlyFieldConfig) => `must be >= ${String(field.props?.min)}` },
    { name: 'max', message: (_error: unknown, field: FormlyFieldConfig) => `must be <= ${String(field.props?.max)}` },
    {
      name: 'minLength',
      message: (_error: unknown, field: FormlyFieldConfig) =>
        `must NOT have fewer than ${String(field.props?.minLength)} characters`,
    },
    {
      name: 'maxLength',
      message: (_error: unknown, field: FormlyFieldConfig) =>
        `must NOT have more than ${String(field.props?.maxLength)} characters`,
    },
    {
      name: 'pattern',
      message: (_error: unknown, field: FormlyFieldConfig) => `must match pattern "${String(field.props?.pattern)}"`,
    },
    { name: 'enum', message: 'must be equal to one of the allowed values' },
    { name: 'const', message: 'must be equal to the allowed value' },
    { name: 'exclusiveMinimum', message: 'is too small' },
    { name: 'exclusiveMaximum', message: 'is too large' },
    { name: 'multipleOf', message: 'is not an allowed step' },
    { name: 'minItems', message: 'has too few items' },
    { name: 'maxItems', message: 'has too many items' },
    { name: 'uniqueItems', message: 'must NOT have duplicate items' },
  ],
};
