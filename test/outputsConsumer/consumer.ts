// Another team's program reading twine-infra's outputs through the installed package. Under the test it runs with
// Pulumi's mocks: each StackReference resolves to the outputs in the JSON file named on the command line, keyed
// by stack name. It prints what it read, or the package's error message.
import * as pulumi from "@pulumi/pulumi";
import { BastionOutputs, DnsOutputs, EnvOutputs, StackOutputsError, readStackOutputs } from "@twine/infra-outputs";
import * as fs from "fs";

const stacks: Record<string, Record<string, unknown>> = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));

async function main(): Promise<void> {
    await pulumi.runtime.setMocks(
        {
            newResource: args => {
                if (args.type !== "pulumi:pulumi:StackReference") throw new Error(`unexpected resource ${args.type}`);
                const outputs = stacks[String(args.inputs.name)];
                if (!outputs) throw new Error(`no outputs for ${String(args.inputs.name)}`);
                return { id: String(args.inputs.name), state: { name: args.inputs.name, outputs, secretOutputNames: [] } };
            },
            call: args => {
                throw new Error(`unexpected invoke ${args.token}`);
            },
        },
        "consumer",
        "test",
    );
    // The role comes from the name, and with it the type: no annotation or cast needed.
    const dns = await readStackOutputs("twine/twine-infra/dns");
    const prod = await readStackOutputs("twine/twine-infra/prod");
    const dev: EnvOutputs = await readStackOutputs("twine/twine-infra/dev");
    const bastion: BastionOutputs = await readStackOutputs("twine/twine-infra/bastion-eu", { role: "bastion" });
    const zone: DnsOutputs["zoneId"] = dns.zoneId;
    const subnets: string[] = prod.privateSubnetIds;
    const ports: number[] = Object.values(prod.environments).map(e => e.databasePort);
    const jenkins: string | undefined = dev.jenkinsUrl;
    process.stdout.write(JSON.stringify({ dns, prod, dev, bastion, picked: { zone, subnets, ports, jenkins } }));
}

main().catch(err => {
    process.stdout.write(
        JSON.stringify({ error: err instanceof StackOutputsError ? "StackOutputsError" : String(err), message: err.message }),
    );
});
