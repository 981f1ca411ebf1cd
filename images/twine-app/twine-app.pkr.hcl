# The Twine app image: one build, the same provisioners for every source.
#   amazon-ebs.twine-app  the AMI the app servers boot (built by the dev stack's PackerImage, shared with prod)
#   qemu.twine-app        the developers' VM, packaged as a Vagrant box
#   null.twine-app        test only: an existing machine over SSH, the end-to-end test's local target; no artifact
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

# --- the end-to-end test's local target (null.twine-app) ----------------------------------------------------------

variable "local_target_host" {
  type        = string
  default     = "127.0.0.1"
  description = "Test only: address of the machine null.twine-app provisions over SSH."
}

variable "local_target_port" {
  type        = number
  default     = 22
  description = "Test only: SSH port of that machine."
}

variable "local_target_key_file" {
  type        = string
  default     = ""
  description = "Test only: private key Packer logs in with, as the ubuntu user, like the AMI build."
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

# --- the base both images start from -----------------------------------------------------------------------------

variable "ubuntu_serial" {
  type        = string
  default     = "20251212"
  description = "Serial of the Ubuntu 24.04 release both sources start from: Canonical's AMI and cloud image of that serial (AWS deprecates public AMIs after two years: move it on)."
}

# --- the developers' VM -----------------------------------------------------------------------------------------

variable "cloud_image_checksum" {
  type        = string
  default     = ""
  description = "Checksum of the cloud image; empty reads the SHA256SUMS list published beside it."
}

variable "vm_http_directory" {
  type        = string
  default     = "http"
  description = "Folder Packer's HTTP server gives the VM: the cloud-init seed, and apt/ with a copy of the published repository (see README.md)."
}

variable "vm_http_port" {
  type        = number
  default     = 8119
  description = "Port of Packer's HTTP server, so apt_repo_url can name it: http://10.0.2.2:<port>/apt from inside the VM."
}

variable "qemu_accelerator" {
  type        = string
  default     = "kvm"
  description = "QEMU accelerator: kvm on Linux, hvf on macOS, tcg where neither is available (slow)."
}

locals {
  build_time  = formatdate("YYYYMMDDhhmmss", timestamp())
  cloud_image = "https://cloud-images.ubuntu.com/releases/24.04/release-${var.ubuntu_serial}"
  image_name  = "twine-app-${var.twine_version}-${local.build_time}"
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

  # Ubuntu 24.04 LTS from Canonical, at the serial the VM's cloud image has too (see ubuntu_serial).
  source_ami_filter {
    filters = {
      name                = "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-${var.ubuntu_serial}"
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
  iso_url          = "${local.cloud_image}/ubuntu-24.04-server-cloudimg-amd64.img"
  iso_checksum     = var.cloud_image_checksum != "" ? var.cloud_image_checksum : "file:${local.cloud_image}/SHA256SUMS"
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
  http_directory = var.vm_http_directory
  http_port_min  = var.vm_http_port
  http_port_max  = var.vm_http_port
  qemuargs = [
    ["-smbios", "type=1,serial=ds=nocloud-net;s=http://{{ .HTTPIP }}:{{ .HTTPPort }}/"],
  ]
  ssh_username = "vagrant"
  ssh_password = "vagrant"
  ssh_timeout  = "20m"
}

# Test only: provisions a machine that already runs (the end-to-end test's local target), over SSH.
source "null" "twine-app" {
  ssh_host             = var.local_target_host
  ssh_port             = var.local_target_port
  ssh_username         = "ubuntu"
  ssh_private_key_file = var.local_target_key_file
}

build {
  sources = ["source.amazon-ebs.twine-app", "source.qemu.twine-app", "source.null.twine-app"]

  # Wait for cloud-init's first boot to finish before touching apt, and make the staging folder: the file
  # provisioner's destination must exist, or scp writes every file over that one path.
  provisioner "shell" {
    inline = [
      "cloud-init status --wait >/dev/null || true",
      "install -d -m 0755 /tmp/twine-files",
    ]
  }

  # Config files the scripts install (see files/), their contents into the staging folder.
  provisioner "file" {
    source      = "files/"
    destination = "/tmp/twine-files/"
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
