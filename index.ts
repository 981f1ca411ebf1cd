// twine-infra: one program for the four accounts. The stack's config says which account it is
// (twine-infra:accountRole); everything else follows from components/ and stacks/.
import { buildStack, loadConfig } from "./stacks";

export = async () => buildStack(await loadConfig());
