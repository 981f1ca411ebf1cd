/** Arguments of the Jenkins host's user data for tests of its renderer: a digest-pinned image and fixed ids. */
import { JenkinsUserDataArgs } from "../../components/delivery/jenkinsHostConfig";

export const JENKINS_USER_DATA_ARGS: JenkinsUserDataArgs = {
    imageRef: `1.dkr.ecr.eu-west-1.amazonaws.com/twine/jenkins@sha256:${"a".repeat(64)}`,
    region: "eu-west-1",
    homeVolumeId: "vol-0123456789abcdef0",
    logGroup: "/twine/jenkins/dev",
    javaHeap: "2g",
    aptlyConf: "{}",
    buildRoleArn: "arn:aws:iam::333333333333:role/dev-jenkins-build",
};
