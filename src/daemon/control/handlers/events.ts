// Handlers of `event status|run|script`.
//
// What they answer is typed in protocol/event-results.ts: event-status one EventResult or null
// for one event, and a map from event name to EventResult or null for all; event-run one
// EventResult; script list a list of ScriptInfo; script enable|disable a DoneResult.

import { Handler } from './handler';

export const eventStatus: Handler<'event-status'> = (api, args) => api.eventStatus(args.event);
export const eventRun: Handler<'event-run'> = (api, args) => api.eventRun(args.event, args.args, args.timeoutMs);
export const eventScript: Handler<'event-script'> = (api, args) => api.eventScript(args.action, args.name);
