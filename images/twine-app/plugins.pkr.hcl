# Plugin pins for Packer >= 1.7, read by `packer init .` and `packer build .` on this folder.
# Packer 1.6 (Debian's package, used by the tests) rejects this block, so it lives in its own file and the
# tests hand 1.6 the template file alone; 1.6 has the amazon, qemu, vagrant and manifest plugins built in.
# Exact versions: this file is a build input (components/delivery/packerImage.ts buildInputsHash), so a plugin
# changes the image only when a pin here moves, and that move rebuilds it; PackerImage refuses a range.
packer {
  required_version = ">= 1.7.0"
  required_plugins {
    amazon = {
      version = "= 1.3.3"
      source  = "github.com/hashicorp/amazon"
    }
    qemu = {
      version = "= 1.1.0"
      source  = "github.com/hashicorp/qemu"
    }
    vagrant = {
      version = "= 1.1.5"
      source  = "github.com/hashicorp/vagrant"
    }
  }
}
