import { triggersScenario } from './triggers.ts';

console.log(JSON.stringify(await triggersScenario()));
