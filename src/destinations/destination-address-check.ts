import type { Problem, SettingsSchema } from '@itinera/plugin-kit';
import type { DestinationAddressPolicy } from '@itinera/plugin-kit/host';

/**
 * Every URL setting (`format: 'uri'`) that the address policy refuses, resolved now, as input problems.
 * Deliveries are checked again when they connect; this answers the admin at once, with the reason.
 */
export async function destinationAddressProblems(policy: DestinationAddressPolicy, schema: SettingsSchema, settings: unknown): Promise<Problem[]> {
  if (typeof settings !== 'object' || settings === null) return [];
  const problems: Problem[] = [];
  for (const [name, field] of Object.entries(schema)) {
    const value = (settings as Record<string, unknown>)[name];
    if (field.format !== 'uri' || typeof value !== 'string' || !URL.canParse(value)) continue;
    const refusal = await policy.refusalForUrl(value);
    if (refusal) {
      problems.push({ path: `settings.${name}`, message: `is not an allowed destination: ${refusal} (the operator can allow it with ITINERA_ALLOWED_DESTINATION_HOSTS)` });
    }
  }
  return problems;
}
