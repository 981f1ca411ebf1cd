// Job DSL, loaded by configuration as code: the release pipeline, defined by the Jenkinsfile beside this file.
pipelineJob('twine-release') {
    description('Build the Twine packages and publish them to the apt repository. Dev deploys them from its release commit.')
    logRotator {
        numToKeep(50)
    }
    parameters {
        // The only parameter, and it chooses only among reviewed commits: the Jenkinsfile refuses any that the app
        // repository's release branch does not reach. Both repositories are pinned in the Jenkinsfile.
        stringParam('APP_REF', 'main', 'Branch, tag or full commit on the release branch (main) of the app repository')
    }
    definition {
        cps {
            script(new File('/usr/share/jenkins/ref/casc/jobs/Jenkinsfile').text)
            sandbox(true)
        }
    }
}
