/**
 * Sharing an AMI encrypted with a customer-managed KMS key across accounts: the key policy of the owning
 * account, and the grant the consuming account's Auto Scaling needs. Plain data, unit-tested without Pulumi.
 */
import { PolicyDocument, policyDocument } from "../account/iamPolicy";

/** The role Auto Scaling launches instances with, in the given account. */
export function autoScalingServiceLinkedRoleArn(accountId: string): string {
    return `arn:aws:iam::${accountId}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;
}

/** What EC2 does with the key to launch from (and write) volumes whose snapshots it encrypts. */
export const KEY_USE_ACTIONS = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"] as const;

/**
 * Operations of the grant a consuming account gives its Auto Scaling role on the owner's key: a service-linked
 * role takes no IAM policy, so a grant is the only way it can use a key of another account.
 */
export const AUTOSCALING_GRANT_OPERATIONS = [
    "CreateGrant",
    "Decrypt",
    "DescribeKey",
    "Encrypt",
    "GenerateDataKey",
    "GenerateDataKeyWithoutPlaintext",
    "ReEncryptFrom",
    "ReEncryptTo",
] as const;

/**
 * The principal that may retire a consumer account's grant: the account itself, so the principals its IAM lets
 * call kms:RetireGrant (its deploy role) retire it, and no key policy statement is needed for that. KMS: "Principals
 * specified in the grant can retire a grant without the kms:RetireGrant permission" in the key policy
 * (https://docs.aws.amazon.com/kms/latest/developerguide/grant-delete.html). RevokeGrant, which the key policy
 * authorises, would let a consumer delete any grant on the key, the owner's own included, so consumers never get it.
 */
export function grantRetiringPrincipal(accountId: string): string {
    return `arn:aws:iam::${accountId}:root`;
}

export interface ImageKeyPolicyArgs {
    /** The account that owns the key and builds the images. */
    readonly ownerAccountId: string;
    /** Accounts that launch instances from the images (prod). */
    readonly consumerAccountIds: readonly string[];
}

/**
 * Key policy of the image key: the owner administers it through IAM; consumer accounts may use it and create
 * grants on it, but only for their Auto Scaling role. It names accounts only, never a role: KMS refuses a policy
 * whose principal does not exist, and a service-linked role exists only once something created it. Auto Scaling
 * gets the key through a grant in each account instead (AWS's pattern for a key of another account:
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/key-policy-requirements-EBS-encryption.html).
 */
export function imageKeyPolicy(args: ImageKeyPolicyArgs): PolicyDocument {
    const root = (account: string) => `arn:aws:iam::${account}:root`;
    const consumers = [...args.consumerAccountIds].sort();
    return policyDocument(
        {
            Sid: "OwnerAccountAdministersThroughIam",
            Effect: "Allow",
            Principal: { AWS: root(args.ownerAccountId) },
            Action: "kms:*",
            Resource: "*",
        },
        {
            Sid: "ConsumerAccountsUseKey",
            Effect: "Allow",
            Principal: { AWS: consumers.map(root) },
            Action: [...KEY_USE_ACTIONS],
            Resource: "*",
        },
        {
            Sid: "ConsumerAccountsGrantToTheirAutoScaling",
            Effect: "Allow",
            Principal: { AWS: consumers.map(root) },
            Action: "kms:CreateGrant",
            Resource: "*",
            Condition: { StringEquals: { "kms:GranteePrincipal": consumers.map(autoScalingServiceLinkedRoleArn) } },
        },
        {
            // The grant resource reads its grant back with ListGrants right after CreateGrant and while deleting it
            // (terraform-provider-aws internal/service/kms/grant.go); across accounts that needs the key policy (KMS API
            // reference, "Required permissions: kms:ListGrants (key policy)"). It deletes the grant with RetireGrant
            // (retireOnDelete), which the grant's retiring principal authorises (grantRetiringPrincipal). ListGrants
            // takes no condition key that could narrow it to the caller's own grants; it reveals, never changes.
            Sid: "ConsumerAccountsListGrants",
            Effect: "Allow",
            Principal: { AWS: consumers.map(root) },
            Action: "kms:ListGrants",
            Resource: "*",
        },
    );
}
