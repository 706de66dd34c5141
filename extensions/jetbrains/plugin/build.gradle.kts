// The thin IntelliJ layer. Everything testable lives in ../client (Maven, tested in CI); this
// build needs JetBrains' repositories, so it is not part of `make test`. Build the client first:
//   (cd ../client && mvn -q install -DskipTests) && gradle buildPlugin
plugins {
    id("org.jetbrains.kotlin.jvm") version "2.2.21"
    id("org.jetbrains.intellij.platform") version "2.10.5"
}

group = "dev.tieline"
version = providers.gradleProperty("pluginVersion").get()

kotlin { jvmToolchain(21) }

repositories {
    mavenLocal() // dev.tieline:tieline-jetbrains-client from `mvn install`
    mavenCentral()
    intellijPlatform { defaultRepositories() }
}

dependencies {
    implementation("dev.tieline:tieline-jetbrains-client:${providers.gradleProperty("clientVersion").get()}") {
        // LSP4IJ brings LSP4J and the IDE brings Kotlin: bundling either breaks class identity.
        exclude(group = "org.eclipse.lsp4j")
        exclude(group = "com.google.code.gson")
        exclude(group = "org.jetbrains.kotlin")
    }
    intellijPlatform {
        intellijIdeaCommunity(providers.gradleProperty("platformVersion"))
        plugin("com.redhat.devtools.lsp4ij", providers.gradleProperty("lsp4ijVersion").get())
    }
}

intellijPlatform {
    pluginConfiguration {
        version = providers.gradleProperty("pluginVersion")
        ideaVersion { sinceBuild = "252" }
    }
}
