"""The words of the generated data: names, streets, cities, and what clients and agents write."""

from __future__ import annotations

from devtools.dataset import Breakage

START_MS = 1_704_067_200_000  # 2024-01-01T00:00:00Z
SPAN_MS = 1_757_894_400_000 - START_MS  # until 2025-09-15
MINUTE, HOUR, DAY = 60_000, 3_600_000, 86_400_000

FIRST_NAMES = (
    "Erin", "Marcus", "Priya", "Dana", "Luis", "Hannah", "Tyrone", "Mei", "Colleen", "Omar",
    "Jessie", "Brett", "Aisha", "Kurt", "Renee", "Diego", "Sofia", "Grant", "Nadia", "Wes",
    "Tamika", "Owen", "Leah", "Bao", "Carmen", "Seth", "Ivy", "Rashad", "Molly", "Yusuf",
)  # fmt: skip
LAST_NAMES = (
    "Example", "Nguyen", "Patel", "Brooks", "Hernandez", "Miller", "O'Connor", "Kim", "Walsh",
    "Haddad", "Carter", "Schmidt", "Okafor", "Lindqvist", "Reyes", "Thompson", "Bauer", "Cole",
    "Ferreira", "Young", "Abbott", "Mendez", "Price", "Tran", "Whitaker", "Zimmerman",
)  # fmt: skip
STREETS = (
    "Cecil", "Ellison", "Princeton", "Carolina", "Grandview", "Lakeview", "Oak", "Cleveland",
    "Gardiner", "Sherwood", "Westdale", "Esther", "Cherrywood", "Bardstown", "Frankfort",
    "Baxter", "Bonnycastle", "Eastern", "Hikes", "Taylorsville", "Brownsboro", "Lexington",
    "Market", "Preston", "Poplar Level", "Shelbyville", "Dixie", "Algonquin", "Woodbourne",
    "Deer Park", "Edenside", "Valletta", "Rudy", "Hubbards", "Chenoweth", "Westport", "Herr",
    "Dundee", "Trevilian", "Emerson", "Speed", "Cardinal", "Goss", "Kentucky", "Maple",
    "Highland", "Willow", "Cherokee", "Lauderdale", "Napanee", "1st", "2nd", "3rd", "4th",
    "Brook", "Floyd", "Shelby", "Clay", "Wenzel", "Barret", "St Catherine", "Jefferson",
)  # fmt: skip
SUFFIXES = {
    "St": "Street", "Ave": "Avenue", "Rd": "Road", "Dr": "Drive", "Ln": "Lane",
    "Blvd": "Boulevard", "Ct": "Court", "Pl": "Place",
}  # fmt: skip
DIRECTIONALS = {"N": "North", "S": "South", "E": "East", "W": "West"}
CITIES = (
    ("Louisville", "KY", ("40203", "40204", "40205", "40206", "40207", "40208", "40211",
                          "40213", "40214", "40217", "40220", "40222", "40241", "40299")),
    ("Louisville", "KY", ("40205", "40206", "40207")),
    ("Jeffersonville", "IN", ("47130",)),
    ("New Albany", "IN", ("47150",)),
    ("Shepherdsville", "KY", ("40165",)),
)  # fmt: skip
PROPERTY_TYPES = ("Single Family", "Condo", "Townhouse", None)
PRICE_RANGES = (
    (200_000, "under_200k"), (300_000, "200k_300k"), (500_000, "300k_500k"),
    (750_000, "500k_750k"), (1_000_000, "750k_1m"),
)  # fmt: skip

OPENERS = (
    "Hi! Just saw {a} — what do you think? 🏡",
    "Can we see {a} this weekend?",
    'I drove by {a} today. The yard is "huge" 😍',
    "Is {a} still available?\nThe listing says pending.",
    "What's the story with {a}? Price dropped again 📉",
    'Thoughts on {a}? My wife said "absolutely not" to the carpet 😂',
    "Re: {a} – the inspection report is in.\nRoof looks ok, furnace is old.",
    "{a} has an open house Sunday 1–3pm, want to go?",
    "Let's make an offer on {a}!! 🎉",
    "Can you pull comps for {a}?",
    "We loved {a}, but the street felt busy. 🤔",
    "Any HOA at {a}?",
    "Sending you the disclosures for {a} now 📎",
    "{a}?",
    "So about {a}…\n\nWe talked it over last night and we're in. 💪",
)
FOLLOW_UPS = (
    "Sounds good 👍", "What time works for you?", "Let me check with my husband.",
    'They said "maybe" on the price.', "Ok\nSee you then!", "😂😂",
    "Can you send more photos?", "The kitchen looks dated but the price is right.",
    "How old is the roof?", "I'll call the listing agent.", "Great, thanks!", "Is 10am ok?",
    "Yes!", "No rush.", "Taxes seem high for the area 🤨", "Did they fix the basement leak?",
    "I'll send the pre-approval letter tonight.", "We're running 10 min late 🚗",
    "Love the porch ❤️", "What's the square footage again?", "Hmm, not sure about the layout.",
    "Perfect 👌", "Can we offer 5k under asking?", "They accepted!! 🥳", "Ok", "👍",
    "Let's do it.", "I'm at work, I'll look tonight.", "Agreed.\n\nLet's wait a week.",
)  # fmt: skip
SMALL_TALK = (
    "Good morning!", "Did you get my email?", "Thanks for all your help 🙏",
    "Any new listings this week?", "Happy Friday! 🎉", "Call me when you have a minute.",
    "We're out of town until Tuesday.", "Can you update the search to 3+ beds?",
    "Our lender wants an updated bank statement 😩", "How's the market looking?",
    "Sorry, crazy week at work.", "Just checking in 😊", "Let's talk tomorrow.",
    '"Coming soon" listings — can we see those too?', "Ok sounds good.\nTalk soon!",
)  # fmt: skip
PROPERTY_TALK = (
    "Is the basement finished?", "What are the utilities like?",
    "Can we get in again before we decide?", "Seller's disclosure attached 📎",
    "The appraisal came in at asking!", "Inspection is scheduled for Thursday at 9.",
    "Do the appliances convey?", "Any offers on it yet?", "Is there a garage?",
    "Love the hardwood floors 😍",
)  # fmt: skip
COMPARISONS = ("Honestly I liked {a} better.", "How does this compare with {a}?")
LISTING_PARAGRAPH = (
    '• Updated kitchen with quartz counters & "soft-close" cabinets\n'
    "• 2-car detached garage, fenced back yard 🌳, new HVAC (2021)\n"
    "Seller says: 'priced to sell, bring all offers'. Showings start Thursday 10am–6pm.\n\n"
)
SENDER_TYPE_VARIANTS = {
    True: ("Client", "CLIENT", " client ", "client\n"),
    False: ("Agent", "AGENT", " agent", "agent "),
}
UNKNOWN_SENDER_TYPES = ("bot", "system")

SHOWCASE_MESSAGES = 60
BREAKAGE_MESSAGES = {
    Breakage.ORPHAN_MESSAGE: 2,
    Breakage.MISSING_PROPERTY: 3,
    Breakage.FOREIGN_PROPERTY: 3,
    Breakage.MISSING_TIMELINE: 4,
}
UNKNOWN_SENDER_MESSAGES = 2
HUGE_MESSAGE_CHARS = 100_000

# What shared threads say besides openers and follow-ups (see devtools.threads).
GREETINGS = (
    "Good morning!", "Hi there 👋", "Hey, quick question.", "Hello!", "Morning ☕",
    "Hope your weekend was good!", "Hi, it's me again 😅",
)  # fmt: skip
LATE_MENTIONS = (
    "(this is about {a})", "I mean {a}.", "Sorry — {a}, not the other one.",
    "For {a}, I mean.", "The one at {a}.", "{a} — that's the one.", "Here's the link: {a}",
)  # fmt: skip
LISTING_FORMS = ("MLS #{mls}", "MLS# {mls}", "mls {mls}", "listing {mls}")
"""How people quote a listing's MLS number."""
TWO_PROPERTIES = (
    "Torn between {a} and {b} honestly.", "Can we see {a} and {b} on the same day?",
    "{a} or {b}? I keep going back and forth 🤔", "Is {a} bigger than {b}?",
)  # fmt: skip
ASIDES = (
    "Oh and is {b} still available?", "Unrelated, but any news on {b}?",
    "Also — {b} had a price drop?", "Btw did the sellers of {b} reply?",
)  # fmt: skip
ASIDE_REPLIES = ("I'll check.", "Not yet.", "Yes, still on the market.", "Let me ask.")
RESUMPTIONS = (
    "Any update on that one?", "Did they get back to us?", "So, back to the house from last week…",
    "Any news from the sellers?", "Still thinking about that one 🤔",
)  # fmt: skip
FEEDBACK = ("like", "love", "dislike", "maybe")
