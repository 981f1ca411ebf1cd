import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { BOUNDARY_ACTIONS } from "./boundaryPolicy";
import {
    DeployGuardArgs,
    boundaryPolicyName,
    isDeployAllowPolicyName,
    deployRoleName,
    ownedPath,
    permissionsBoundaryPolicy,
    previewRoleName,
} from "./deployRolePolicy";
import { stableJson } from "./iamPolicy";

/**
 * The stack's permissions boundary (deployRolePolicy.ts), and a stack transformation that puts it on every IAM role
 * the program declares from here on, whatever component declares it: the deploy role's guard lets it create or widen
 * a role only when the role carries this boundary. The deploy role itself carries none (it creates roles) and is
 * changed only by an admin session. The same transformation puts every role (but the deploy and preview roles, which
 * other accounts' trust policies match by name), instance profile and managed policy (but the boundary) under
 * ownedPath: the guard acts only on what lies there. The deploy role's own allows stay outside it, as the boundary
 * does: no deploy can widen itself. Call it before any role is declared.
 */
export function permissionsBoundary(args: DeployGuardArgs, opts: pulumi.CustomResourceOptions): aws.iam.Policy {
    const policy = new aws.iam.Policy(
        `${args.stack}-permissions-boundary`,
        {
            name: boundaryPolicyName(args.stack),
            description: `Boundary of every role the ${args.stack} stack creates: at most what its roles' policies allow`,
            policy: stableJson(permissionsBoundaryPolicy(args, BOUNDARY_ACTIONS[args.accountRole] ?? [])),
        },
        opts,
    );
    const deployRole = deployRoleName(args.stack);
    const named = [deployRole, previewRoleName(args.stack)];
    const path = ownedPath(args.stack);
    pulumi.runtime.registerStackTransformation(t => {
        const deployAllow = t.type === "aws:iam/policy:Policy" && isDeployAllowPolicyName(args.stack, String(t.props.name ?? ""));
        if (
            t.type === "aws:iam/instanceProfile:InstanceProfile" ||
            (t.type === "aws:iam/policy:Policy" && t.resource !== policy && !deployAllow)
        ) {
            return { props: { ...t.props, path }, opts: t.opts };
        }
        if (t.type !== "aws:iam/role:Role" || t.props.name === deployRole) return undefined;
        const props = { ...t.props, permissionsBoundary: policy.arn, ...(named.includes(t.props.name) ? {} : { path }) };
        return { props, opts: t.opts };
    });
    return policy;
}
