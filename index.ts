// twine-infra: one program for the four accounts. The stack's config says which account it is
// (twine-infra:accountRole); everything else follows from components/ and stacks/.
import { loadStackConfig } from "./config";
import { buildStack } from "./stacks";

export = async () => buildStack(loadStackConfig());
