/**
 * Availability zones per commercial AWS region, used to reject an AZ count the region cannot offer before any
 * resource exists (the program itself asks AWS for the live list with getAvailabilityZones). Letters are the
 * zone-name suffixes most accounts see; a region missing here is refused with a pointer to this file.
 */
export const REGION_AZ_LETTERS: Readonly<Record<string, readonly string[]>> = {
    "us-east-1": ["a", "b", "c", "d", "e", "f"],
    "us-east-2": ["a", "b", "c"],
    "us-west-1": ["b", "c"],
    "us-west-2": ["a", "b", "c", "d"],
    "ca-central-1": ["a", "b", "d"],
    "ca-west-1": ["a", "b", "c"],
    "sa-east-1": ["a", "b", "c"],
    "eu-west-1": ["a", "b", "c"],
    "eu-west-2": ["a", "b", "c"],
    "eu-west-3": ["a", "b", "c"],
    "eu-central-1": ["a", "b", "c"],
    "eu-central-2": ["a", "b", "c"],
    "eu-north-1": ["a", "b", "c"],
    "eu-south-1": ["a", "b", "c"],
    "eu-south-2": ["a", "b", "c"],
    "ap-south-1": ["a", "b", "c"],
    "ap-south-2": ["a", "b", "c"],
    "ap-southeast-1": ["a", "b", "c"],
    "ap-southeast-2": ["a", "b", "c"],
    "ap-southeast-3": ["a", "b", "c"],
    "ap-southeast-4": ["a", "b", "c"],
    "ap-northeast-1": ["a", "c", "d"],
    "ap-northeast-2": ["a", "b", "c", "d"],
    "ap-northeast-3": ["a", "b", "c"],
    "ap-east-1": ["a", "b", "c"],
    "me-south-1": ["a", "b", "c"],
    "me-central-1": ["a", "b", "c"],
    "af-south-1": ["a", "b", "c"],
    "il-central-1": ["a", "b", "c"],
};

export const KNOWN_REGIONS = Object.keys(REGION_AZ_LETTERS).sort();

export function availabilityZoneNames(region: string): readonly string[] {
    return (REGION_AZ_LETTERS[region] ?? []).map(letter => `${region}${letter}`);
}
