/**
 * The CIDR arithmetic lives in the policy pack (policy/lib/cidr.ts), whose rules use it too: the pack is published
 * as its own folder (`npm pack` of policy/), so it cannot import from here, and the program imports it through here.
 */
export * from "../../policy/lib/cidr";
