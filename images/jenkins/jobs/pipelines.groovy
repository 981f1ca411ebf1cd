// Job DSL, loaded by configuration as code: the release pipeline, defined by the Jenkinsfile beside this file.
pipelineJob('twine-release') {
    description('Build the Twine packages and publish them to the apt repository. Dev deploys them from its release commit.')
    logRotator {
        numToKeep(50)
    }
    parameters {
        stringParam('APP_REF', 'main', 'Branch, tag or commit to build')
        stringParam('INFRA_REPOSITORY', 'https://github.com/twine/twine-infra.git', 'This repository: Packer templates under images/')
    }
    definition {
        cps {
            script(new File('/usr/share/jenkins/ref/casc/jobs/Jenkinsfile').text)
            sandbox(true)
        }
    }
}
