// Reads {schema, keyframe, messages, playerId?, interest?} as JSON on stdin, feeds them to the
// browser's StateMirror and prints, after each message, [tick, entities sorted by id, acks
// sorted by player id].
import { readFileSync } from "node:fs";
import { EntitySchema } from "../../shared/schema.js";
import { StateMirror } from "../../client/web/src/mirror.js";

const { schema, keyframe, messages, playerId = null, interest = false } = JSON.parse(
  readFileSync(0, "utf8"));
const mirror = new StateMirror(new EntitySchema(schema), playerId, interest);
mirror.loadKeyframe(keyframe);
const states = messages.map((message) => {
  mirror.applyState(message);
  return [
    mirror.tick,
    [...mirror.entities].map(([id, values]) => [id, ...values]).sort((a, b) => a[0] - b[0]),
    [...mirror.acks].sort((a, b) => a[0] - b[0]),
  ];
});
process.stdout.write(JSON.stringify(states));
