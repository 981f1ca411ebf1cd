// The twine-guardrails policy pack: `pulumi preview --policy-pack policy` (see the README's Guardrails section).
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./pack";

new PolicyPack("twine-guardrails", { policies });
