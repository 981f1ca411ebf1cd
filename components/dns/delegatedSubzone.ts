import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface DelegatedSubzoneArgs {
    /** The subzone's name, e.g. dev.twinehr.com. */
    readonly name: string;
    readonly comment: string;
    /** The apex zone, in the dns account, that delegates to it. */
    readonly apexZoneId: pulumi.Input<string>;
    /** Provider for the dns account that assumes this account's delegation role: it writes the NS record. */
    readonly apexProvider: pulumi.ProviderResource;
    /** Protect the subzone (prod: every production name hangs off it). */
    readonly protect: boolean;
}

/** A subzone in this account and its NS delegation in the apex zone, written through the dns account's role. */
export class DelegatedSubzone extends pulumi.ComponentResource {
    public readonly zone: aws.route53.Zone;

    constructor(name: string, args: DelegatedSubzoneArgs, opts?: pulumi.ComponentResourceOptions) {
        super("twine:index:DelegatedSubzone", name, {}, opts);
        this.zone = new aws.route53.Zone(name, { name: args.name, comment: args.comment }, { parent: this, protect: args.protect });
        new aws.route53.Record(
            `${name}-delegation`,
            { zoneId: args.apexZoneId, name: this.zone.name, type: "NS", ttl: 3600, records: this.zone.nameServers },
            { parent: this.zone, provider: args.apexProvider },
        );
        this.registerOutputs({ zoneId: this.zone.zoneId, name: this.zone.name });
    }
}
