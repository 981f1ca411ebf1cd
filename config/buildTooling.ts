/**
 * The `buildTooling` section of the dev stack: the Jenkins host and the apt repository. Every key has a default but
 * the Jenkins host's AMI pin; prod refuses the section (build tooling lives in dev only).
 */
import { z } from "zod";
import type { AptRepoSettings } from "../components/delivery/aptRepo";
import type { JenkinsSettings } from "../components/delivery/jenkins";
import { ubuntuAmiIdSchema } from "./bastionHost";
import { problem, restrictedCidrSchema } from "./primitives";

/** Instance families Jenkins runs well on: general purpose or burstable, x86_64 (the image is built for amd64). */
const instanceTypePattern = /^(t3|t3a|m5|m5a|m6i|m6a|m7i|m7a)\.(medium|large|xlarge|2xlarge|4xlarge)$/;

export const buildToolingSchema = z
    .strictObject({
        jenkins: z
            .strictObject({
                instanceType: z
                    .string()
                    .regex(
                        instanceTypePattern,
                        problem("not an x86_64 general-purpose instance type of medium size or larger", "use e.g. t3.large or m6i.xlarge"),
                    )
                    .describe("EC2 instance type of the Jenkins host (x86_64). Defaults to t3.large."),
                homeVolumeGiB: z
                    .number()
                    .int()
                    .min(20)
                    .max(16384)
                    .describe("Size of the JENKINS_HOME EBS volume in GiB (gp3). Defaults to 100."),
                snapshotTime: z
                    .string()
                    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, problem("not a 24-hour UTC time", 'write HH:MM, e.g. "03:00"'))
                    .describe("UTC time of the daily JENKINS_HOME snapshot. Defaults to 03:00."),
                snapshotRetainCount: z.number().int().min(1).max(1000).describe("Daily snapshots kept. Defaults to 14."),
                webhook: z
                    .strictObject({
                        cidrs: z
                            .array(restrictedCidrSchema)
                            .min(1)
                            .describe("Sources allowed to call the hooks, e.g. GitHub's hook ranges; never 0.0.0.0/0. Required."),
                        certificateArn: z
                            .string()
                            .regex(
                                /^arn:aws:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/,
                                problem(
                                    "not an ACM certificate ARN",
                                    "use the ARN of an issued certificate in this account and region, " +
                                        "arn:aws:acm:<region>:<account>:certificate/<id>",
                                ),
                            )
                            .describe("ACM certificate of the HTTPS listener. Required."),
                    })
                    .describe(
                        "An HTTPS load balancer in the public subnets that forwards only webhook POSTs, from these " +
                            "ranges, to Jenkins. Defaults to none (private only).",
                    ),
            })
            .partial()
            .extend({
                amiId: ubuntuAmiIdSchema.describe(
                    "Pins the Jenkins host's AMI: Canonical's Ubuntu 24.04 amd64 (checked at preview); a change replaces the host " +
                        "(JENKINS_HOME moves over on its volume). Required: unpinned, every new Canonical build would replace it.",
                ),
            })
            .describe("The Jenkins host. Required: its amiId."),
        aptRepo: z
            .strictObject({
                noncurrentVersionDays: z
                    .number()
                    .int()
                    .min(1)
                    .max(3650)
                    .describe("Days S3 keeps overwritten or deleted apt repository objects before expiring them. Defaults to 90."),
            })
            .partial()
            .optional()
            .describe("The S3-backed apt repository."),
    })
    .describe(
        "Build tooling of the dev account: Jenkins in Docker and the Aptly apt repository. Every key has a default but jenkins.amiId.",
    );

/** The section with every default applied: the Jenkins and AptRepo settings. */
export interface BuildToolingConfig {
    readonly jenkins: JenkinsSettings;
    readonly aptRepo: AptRepoSettings;
}

export function withBuildToolingDefaults(input: z.output<typeof buildToolingSchema>): BuildToolingConfig {
    const jenkins = input.jenkins;
    return {
        jenkins: {
            instanceType: jenkins.instanceType ?? "t3.large",
            amiId: jenkins.amiId,
            homeVolumeGiB: jenkins.homeVolumeGiB ?? 100,
            snapshotTime: jenkins.snapshotTime ?? "03:00",
            snapshotRetainCount: jenkins.snapshotRetainCount ?? 14,
            webhook: jenkins.webhook,
        },
        aptRepo: { noncurrentVersionDays: input.aptRepo?.noncurrentVersionDays ?? 90 },
    };
}
