// Mistakes the package's types must catch at compile time (the test expects tsc to reject each marked line).
import { readStackOutputs } from "@twine/infra-outputs";

export async function misuse(): Promise<void> {
    const dns = await readStackOutputs("twine/twine-infra/dns");
    const prod = await readStackOutputs("twine/twine-infra/prod");
    const vpc: string = dns.vpcId; // MISUSE: the dns stack has no VPC
    const zone: number = dns.zoneId; // MISUSE: a zone id is a string
    const port: string = prod.environments.production.databasePort; // MISUSE: the port is a number
    await readStackOutputs("twine/twine-infra/prod", { role: "staging" }); // MISUSE: not an account role
    void [vpc, zone, port];
}
