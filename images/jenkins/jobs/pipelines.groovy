// Job DSL, loaded by configuration as code: the release pipeline, defined by the Jenkinsfile beside this file.
pipelineJob('twine-release') {
    description('Build the Twine packages and publish them to the apt repository. Dev deploys them from its release commit.')
    logRotator {
        numToKeep(50)
    }
    parameters {
        // The only parameter, and it chooses only among reviewed commits: the image's check (release-commit.sh) refuses
        // any not on the first-parent history of the app repository's release branch. No parameter names a repository.
        stringParam('APP_REF', 'main', 'The release branch (main), a tag or a full commit on its first-parent history')
    }
    definition {
        cps {
            script(new File('/usr/share/jenkins/ref/casc/jobs/Jenkinsfile').text)
            sandbox(true)
        }
    }
}
