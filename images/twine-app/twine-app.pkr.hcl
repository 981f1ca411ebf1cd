# The Twine app image: one build, two sources, the same provisioners.
#   amazon-ebs.twine-app  the AMI the app servers boot (built by the dev stack's PackerImage, shared with prod)
#   qemu.twine-app        the developers' VM, packaged as a Vagrant box
# Everything is installed at bake time: a server booted from the image serves traffic without installing anything.

# --- what to install --------------------------------------------------------------------------------------------

variable "apt_repo_url" {
  type        = string
  description = "Base URL of the private Twine apt repository (Aptly, S3-backed), e.g. https://<bucket>.s3.<region>.amazonaws.com/twine."
}

variable "apt_distribution" {
  type        = string
  default     = "noble"
  description = "Distribution of the private apt repository to install from."
}

variable "apt_signing_key" {
  type        = string
  description = "ASCII-armored OpenPGP public key that signs the private apt repository."
}

variable "twine_version" {
  type        = string
  description = "Debian version of the Twine packages to install, e.g. 2026.11.3-1; every package in twine_packages is pinned to it."
}

variable "twine_packages" {
  type        = list(string)
  default     = ["twine"]
  description = "Twine packages to install from the private repository, all at twine_version."
}

variable "manifest_path" {
  type        = string
  default     = "manifest.json"
  description = "Where the manifest post-processor records the artifact ids."
}

# --- the AMI ----------------------------------------------------------------------------------------------------

variable "region" {
  type        = string
  default     = "eu-west-1"
  description = "Region to build the AMI in."
}

variable "vpc_id" {
  type        = string
  default     = ""
  description = "VPC of the build instance (the dev VPC)."
}

variable "subnet_id" {
  type        = string
  default     = ""
  description = "Private subnet of the build instance; it reaches the apt repository through the VPC's S3 endpoint."
}

variable "security_group_id" {
  type        = string
  default     = ""
  description = "Security group of the build instance; empty lets Packer create a temporary one."
}

variable "iam_instance_profile" {
  type        = string
  default     = ""
  description = "Instance profile of the build instance (SSM core, for session_manager access)."
}

variable "ssh_interface" {
  type        = string
  default     = "session_manager"
  description = "How Packer reaches the build instance: session_manager (no inbound port) or private_ip (from inside the VPC)."
}

variable "kms_key_id" {
  type        = string
  default     = ""
  description = "ARN of the customer-managed KMS key that encrypts the AMI's snapshots."
}

variable "ami_users" {
  type        = list(string)
  default     = []
  description = "Account ids granted launch permission on the AMI and create-volume permission on its snapshots (prod)."
}

variable "instance_type" {
  type        = string
  default     = "t3.medium"
  description = "Instance type of the build instance."
}

variable "root_volume_size" {
  type        = number
  default     = 16
  description = "Size of the image's root volume in GiB."
}

# --- the developers' VM -----------------------------------------------------------------------------------------

variable "cloud_image_url" {
  type        = string
  default     = "https://cloud-images.ubuntu.com/noble/current/noble-server-cloudimg-amd64.img"
  description = "Ubuntu cloud image the local VM starts from: the same release as the AMI's base."
}

variable "cloud_image_checksum" {
  type        = string
  default     = "file:https://cloud-images.ubuntu.com/noble/current/SHA256SUMS"
  description = "Checksum of cloud_image_url (or file:<url> of a SHA256SUMS list)."
}

variable "qemu_accelerator" {
  type        = string
  default     = "kvm"
  description = "QEMU accelerator: kvm on Linux, hvf on macOS, tcg where neither is available (slow)."
}

locals {
  build_time = formatdate("YYYYMMDDhhmmss", timestamp())
  image_name = "twine-app-${var.twine_version}-${local.build_time}"
  tags = {
    Name         = local.image_name
    Project      = "twine"
    ManagedBy    = "packer"
    TwineVersion = var.twine_version
    BaseImage    = "{{ .SourceAMIName }}"
  }
}

source "amazon-ebs" "twine-app" {
  region        = var.region
  instance_type = var.instance_type
  ami_name      = local.image_name

  # The current Ubuntu LTS from Canonical: the same filter as components/access/ubuntuAmi.ts.
  source_ami_filter {
    filters = {
      name                = "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*"
      architecture        = "x86_64"
      root-device-type    = "ebs"
      virtualization-type = "hvm"
    }
    owners      = ["099720109477"]
    most_recent = true
  }

  # The build instance lives in the dev VPC's private subnet, with no public address and IMDSv2 only.
  vpc_id                      = var.vpc_id
  subnet_id                   = var.subnet_id
  security_group_id           = var.security_group_id
  iam_instance_profile        = var.iam_instance_profile
  associate_public_ip_address = false
  ssh_interface               = var.ssh_interface
  ssh_username                = "ubuntu"
  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  # Encrypted at launch with the customer-managed key, so the AMI's snapshot is too (no copy step).
  launch_block_device_mappings {
    device_name           = "/dev/sda1"
    volume_type           = "gp3"
    volume_size           = var.root_volume_size
    iops                  = 3000
    throughput            = 125
    encrypted             = true
    kms_key_id            = var.kms_key_id
    delete_on_termination = true
  }

  ami_users      = var.ami_users
  snapshot_users = var.ami_users
  tags           = local.tags
  snapshot_tags  = local.tags
  run_tags       = merge(local.tags, { Name = "packer-build-${local.image_name}", TwineBuild = "packer" })
}

source "qemu" "twine-app" {
  vm_name          = "twine-app.qcow2"
  iso_url          = var.cloud_image_url
  iso_checksum     = var.cloud_image_checksum
  disk_image       = true
  disk_size        = "${var.root_volume_size}G"
  format           = "qcow2"
  accelerator      = var.qemu_accelerator
  memory           = 2048
  cpus             = 2
  headless         = true
  output_directory = "output-qemu"
  shutdown_command = "sudo shutdown -P now"

  # cloud-init's NoCloud seed, served over Packer's HTTP server, creates the vagrant user for the build.
  http_directory = "http"
  qemuargs = [
    ["-smbios", "type=1,serial=ds=nocloud-net;s=http://{{ .HTTPIP }}:{{ .HTTPPort }}/"],
  ]
  ssh_username = "vagrant"
  ssh_password = "vagrant"
  ssh_timeout  = "20m"
}

build {
  sources = ["source.amazon-ebs.twine-app", "source.qemu.twine-app"]

  # Wait for cloud-init's first boot to finish before touching apt.
  provisioner "shell" {
    inline = ["cloud-init status --wait >/dev/null || true"]
  }

  # Config files the scripts install (see files/); uploaded to a staging folder first.
  provisioner "file" {
    source      = "files/"
    destination = "/tmp/twine-files"
  }

  provisioner "shell" {
    execute_command = "chmod +x {{ .Path }}; sudo -E env {{ .Vars }} {{ .Path }}"
    environment_vars = [
      "APT_REPO_URL=${var.apt_repo_url}",
      "APT_DISTRIBUTION=${var.apt_distribution}",
      "APT_SIGNING_KEY_B64=${base64encode(var.apt_signing_key)}",
      "TWINE_VERSION=${var.twine_version}",
      "TWINE_PACKAGES=${join(" ", var.twine_packages)}",
    ]
    scripts = [
      "scripts/base.sh",
      "scripts/twine.sh",
      "scripts/agents.sh",
    ]
  }

  provisioner "shell" {
    execute_command = "chmod +x {{ .Path }}; sudo -E env {{ .Vars }} {{ .Path }}"
    scripts         = ["scripts/harden.sh"]
  }

  # The Vagrant user keeps Vagrant's well-known key (replaced on first `vagrant up`); never on the AMI.
  provisioner "shell" {
    only            = ["qemu.twine-app"]
    execute_command = "chmod +x {{ .Path }}; sudo -E env {{ .Vars }} {{ .Path }}"
    scripts         = ["scripts/vagrant.sh"]
  }

  # Last: forget this machine's identity, so every instance or VM booted from the image is unique.
  provisioner "shell" {
    execute_command = "chmod +x {{ .Path }}; sudo -E env {{ .Vars }} {{ .Path }}"
    scripts         = ["scripts/cleanup.sh"]
  }

  post-processor "vagrant" {
    only                 = ["qemu.twine-app"]
    output               = "output-vagrant/twine-app-${var.twine_version}.box"
    vagrantfile_template = "box.Vagrantfile"
    keep_input_artifact  = false
  }

  post-processor "manifest" {
    output     = var.manifest_path
    strip_path = true
    custom_data = {
      twine_version = var.twine_version
      image_name    = local.image_name
    }
  }
}
