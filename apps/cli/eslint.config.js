import base from "@radha/eslint-config";
import { boundaries } from "@radha/eslint-config/boundaries";

export default [...base, ...boundaries("@radha/cli")];
