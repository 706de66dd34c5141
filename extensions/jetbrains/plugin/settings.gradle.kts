rootProject.name = "tieline-jetbrains"
