//! The region tree, organisations and pairing groups a scale adds beside the Dongguan preset:
//! cities under the preset's province, counties, towns and villages under them, each city's
//! universities and vocational schools, and groups of a lead town, one to three villages (now
//! and then one of a neighbouring town, as the preset's table has), a university and mostly a
//! vocational school (三(五) allows a pairing without one).

use super::bulk::{Table, V};
use super::names::{self, Rng, Unique};
use super::{GroupPlan, Tables, created_ms};
use crate::domain::group::{GroupCalendar, Membership};
use crate::domain::ids::{GroupId, OrgId};
use crate::domain::org::MemberRole;
use jiff::civil::Date;

/// How much a scale adds beside the preset (which holds one city, 18 schools, 8 towns, 15
/// villages and 8 groups).
#[derive(Debug, Clone, Copy)]
pub struct Size {
    pub cities: usize,
    pub counties: usize,
    pub towns: usize,
    pub villages: usize,
    pub universities: usize,
    /// Medical-focused among them (三(五)).
    pub medical: usize,
    pub vocational: usize,
    pub groups: usize,
}

struct Town {
    id: OrgId,
    name: String,
    region: String,
    villages: Vec<(OrgId, String)>,
}

/// Adds the regions and organisations to `t` and returns the new groups (their rows added too).
pub fn build(
    seed: u64,
    size: Size,
    province: &str,
    plan_id: &str,
    group_start: Date,
    first_number: i64,
    t: &mut Tables,
) -> Vec<GroupPlan> {
    let mut rng = Rng::derive(seed, "places", 0);
    let created = created_ms(group_start, 0);
    let mut regions = Table::new(
        "regions",
        &["id", "parent_id", "level", "name", "kind_label"],
    );
    let mut region = |rng: &mut Rng, parent: &str, level: &str, name: &str, kind: &str| {
        let id = rng.uuid();
        regions.row([
            (&id).into(),
            parent.into(),
            level.into(),
            name.into(),
            kind.into(),
        ]);
        id
    };
    let mut org = |rng: &mut Rng, kind: &str, name: &str, region: &str, medical: bool| {
        let id = OrgId::from_db(rng.uuid());
        t.orgs.row([
            (&id).into(),
            kind.into(),
            name.into(),
            region.into(),
            i64::from(medical).into(),
            created.into(),
        ]);
        id
    };
    let mut city_names = Unique::default();
    // School names are unique across the province (accounts and sheets name a school by its
    // name), though the database would only ask it within a region.
    let mut school_names = Unique::default();
    let mut towns: Vec<Town> = Vec::with_capacity(size.towns);
    let mut universities = Vec::with_capacity(size.universities);
    let mut vocational = Vec::with_capacity(size.vocational);
    for c in 0..size.cities {
        let name = city_names.take(&mut rng, names::city);
        let city = region(&mut rng, province, "city", &name, "地级市");
        // Each city's share of the schools and of the levels below it, the remainder to the first.
        let share = |n: usize| n / size.cities + usize::from(c < n % size.cities);
        for k in 0..share(size.universities) {
            let medical = k < share(size.medical);
            let n = school_names.take(&mut rng, |r| names::university(r, &name, medical));
            universities.push((org(&mut rng, "university", &n, &city, medical), n));
        }
        for _ in 0..share(size.vocational) {
            let n = school_names.take(&mut rng, |r| names::vocational_school(r, &name));
            vocational.push((org(&mut rng, "vocational_school", &n, &city, false), n));
        }
        let counties = share(size.counties).max(1);
        let towns_here = share(size.towns);
        let mut county_names = Unique::default();
        let mut county_ids = Vec::with_capacity(counties);
        for _ in 0..counties {
            let mut kind = "";
            let n = county_names.take(&mut rng, |r| {
                let (n, k) = names::county(r);
                kind = k;
                n
            });
            county_ids.push(region(&mut rng, &city, "county", &n, kind));
        }
        let mut town_names: Vec<Unique> = (0..counties).map(|_| Unique::default()).collect();
        for k in 0..towns_here {
            let county = k % counties;
            let mut kind = "";
            let n = town_names[county].take(&mut rng, |r| {
                let (n, k) = names::town(r);
                kind = k;
                n
            });
            let town_region = region(&mut rng, &county_ids[county], "town", &n, kind);
            let id = org(&mut rng, "town", &n, &town_region, false);
            towns.push(Town {
                id,
                name: n,
                region: town_region,
                villages: Vec::new(),
            });
        }
    }
    // Villages: each town its share, named uniquely within the town.
    for (k, town) in towns.iter_mut().enumerate() {
        let town_region = town.region.clone();
        let n = size.villages / size.towns + usize::from(k < size.villages % size.towns);
        let mut used = Unique::default();
        for _ in 0..n {
            let mut kind = "";
            let name = used.take(&mut rng, |r| {
                let (n, k) = names::village(r);
                kind = k;
                n
            });
            let village_region = {
                let id = rng.uuid();
                regions.row([
                    (&id).into(),
                    (&town_region).into(),
                    "village".into(),
                    (&name).into(),
                    kind.into(),
                ]);
                id
            };
            let id = OrgId::from_db(rng.uuid());
            t.orgs.row([
                (&id).into(),
                "village".into(),
                (&name).into(),
                village_region.into(),
                0.into(),
                created.into(),
            ]);
            town.villages.push((id, name));
        }
    }
    t.regions = regions;

    let mut groups = Vec::with_capacity(size.groups);
    let n_towns = towns.len();
    for g in 0..size.groups {
        let mut rng = Rng::derive(seed, "group-places", g as u64);
        // Towns in turn: past the last, a town leads a second group with other villages.
        let town = &towns[g % n_towns];
        let round = g / n_towns;
        let n_villages = 1 + rng.below(3);
        let mut villages: Vec<(OrgId, String)> = (0..n_villages)
            .map(|k| town.villages[(round * 3 + k) % town.villages.len()].clone())
            .collect();
        villages.dedup();
        if rng.chance(60) {
            let neighbour = &towns[(g + 1) % n_towns];
            let v = neighbour.villages[round % neighbour.villages.len()].clone();
            if !villages.contains(&v) {
                villages.push(v);
            }
        }
        let university = universities[g % universities.len()].clone();
        let vocational = (!rng.chance(40)).then(|| vocational[g % vocational.len()].clone());
        let id = GroupId::from_db(rng.uuid());
        let number = first_number + g as i64;
        t.groups.row([
            (&id).into(),
            plan_id.into(),
            number.into(),
            (&town.id).into(),
            group_start.into(),
            V::NoT,
            created.into(),
        ]);
        let mut members = vec![((town.id.clone(), town.name.clone()), MemberRole::Town)];
        members.extend(villages.into_iter().map(|v| (v, MemberRole::Village)));
        members.push((university, MemberRole::University));
        members.extend(vocational.map(|v| (v, MemberRole::VocationalSchool)));
        for (pos, ((org, _), role)) in members.iter().enumerate() {
            t.memberships.row([
                rng.uuid().into(),
                (&id).into(),
                org.into(),
                role.as_str().into(),
                group_start.into(),
                V::NoT,
                (pos as i64).into(),
                created.into(),
            ]);
        }
        groups.push(GroupPlan {
            id,
            number,
            calendar: GroupCalendar {
                started_on: group_start,
                ended_on: None,
                members: members
                    .into_iter()
                    .map(|((org_id, name), role)| Membership {
                        org_id,
                        name,
                        role,
                        from: group_start,
                        to: None,
                    })
                    .collect(),
            },
        });
    }
    groups
}
