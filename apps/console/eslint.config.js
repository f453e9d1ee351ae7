import base from "@radha/eslint-config/react";
import { boundaries } from "@radha/eslint-config/boundaries";

export default [...base, ...boundaries("@radha/console")];
