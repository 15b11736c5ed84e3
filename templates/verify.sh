#!/usr/bin/env bash
# Checks the `dotnet new orleanstasks` template end to end, as a user gets it: packs every package (with a version of
# its own, so no package cache holds an older build under that version), installs the template from that folder
# into a private template store, creates a solution, builds it against the packed packages from the folder as a
# local feed (nuget.org for the rest), and runs its tests. Exits non-zero on any failure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/orleanstasks-template.XXXXXX)
if [ -z "${ORLEANSTASKS_TEMPLATE_KEEP:-}" ]; then trap 'rm -rf "$work"' EXIT; else echo "verify.sh: keeping $work"; fi

suffix="ci.$(date +%s)"
version="$(sed -n 's:.*<VersionPrefix>\(.*\)</VersionPrefix>.*:\1:p' "$root/Directory.Build.props")-$suffix"
echo "verify.sh: packing OrleansTasks $version"
for project in Grains.Interfaces Sdk Client Grains; do
  dotnet pack "$root/$project/$project.csproj" -c Release -o "$work/feed" -p:VersionSuffix="$suffix" -nologo -clp:ErrorsOnly >/dev/null
done
dotnet pack "$root/templates/OrleansTasks.Templates.csproj" -c Release -o "$work/feed" -p:VersionSuffix="$suffix" -nologo -clp:ErrorsOnly >/dev/null

hive="$work/hive"
dotnet new install "$work/feed/OrleansTasks.Templates.$version.nupkg" --debug:custom-hive "$hive" >/dev/null
cd "$work"
dotnet new orleanstasks -n Acme.Jobs --OrleansTasksVersion "$version" --debug:custom-hive "$hive"
cat > Acme.Jobs/nuget.config <<CONFIG
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="local" value="$work/feed" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
  </packageSources>
</configuration>
CONFIG
cd Acme.Jobs
dotnet build Acme.Jobs.slnx -c Release -nologo -clp:ErrorsOnly
dotnet test Acme.Jobs.slnx -c Release --no-build
echo "verify.sh: the template's solution builds against the packages and its tests pass"
