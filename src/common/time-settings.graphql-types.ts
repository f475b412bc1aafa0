import { Field, InputType, ObjectType, registerEnumType } from '@nestjs/graphql';
import { QUIET_HOURS_MODES, type QuietHours, type QuietHoursInputShape, type QuietHoursMode } from '../engine/time-settings';

// Quiet hours are set on a journey and, as its default, on a workspace: both modules serve these types.

export const QuietHoursModeEnum = Object.fromEntries(QUIET_HOURS_MODES.map((mode) => [mode, mode])) as { [K in QuietHoursMode]: K };
registerEnumType(QuietHoursModeEnum, {
  name: 'QuietHoursMode',
  valuesMap: { DEFER: { description: 'Deliver at the end of the quiet hours.' }, SKIP: { description: 'Do not send; move on.' } },
});

@ObjectType('QuietHours', { description: 'No send goes out from start to end (HH:MM in the profile’s time zone; 21:00–08:00 crosses midnight).' })
export class QuietHoursType implements QuietHours {
  @Field() start: string;
  @Field() end: string;
  @Field(() => QuietHoursModeEnum) mode: QuietHoursMode;
  @Field({ description: 'Where the profile’s IANA time zone is read from.' }) timeZoneTrait: string;
}

@InputType('QuietHoursInput')
export class QuietHoursInput implements QuietHoursInputShape {
  @Field({ description: 'HH:MM, e.g. 21:00.' }) start: string;
  @Field({ description: 'HH:MM, e.g. 08:00.' }) end: string;
  @Field(() => QuietHoursModeEnum, { nullable: true, defaultValue: 'DEFER' }) mode?: QuietHoursMode | null;
  @Field(() => String, { nullable: true, description: 'Defaults to traits.timezone.' }) timeZoneTrait?: string | null;
}
