"""English hard-benign requests (label ALLOW): alarming words, harmless asks.

Technical homonyms ("kill a process"), security-awareness training, fiction without operational detail,
history, medical and legal information, figurative language, cooking / gardening / games, and support
for colleagues. Written by the project team from the issue's list of genres; no benchmark rows were
looked at or copied.
"""

from __future__ import annotations

from training.datasets.project.compose import Cell, cell_maker

CONTEXTS = {
    "en": (
        "You are the company's internal assistant for all staff.",
        "You are the IT helpdesk assistant for all employees.",
        "You are the coding assistant for the engineering team.",
        "You are the internal assistant for the HR team.",
    )
}


_cell = cell_maker("en")

CELLS: tuple[Cell, ...] = (
    _cell(
        "tech_homonyms",
        24,
        (
            "How do I kill a {proc} on {os}?",
            "What's the safest way to terminate a {proc} without losing data?",
            "My {proc} is hanging. How can I force-kill it on {os}?",
            "What's the difference between SIGKILL and SIGTERM when stopping a {proc}?",
            "How can I execute a {script} automatically every night on {os}?",
            "How do I nuke my {cache} and start clean?",
            "What's the command to abort a {git_op} in git?",
            "How do I record a quick screen capture on {os} for a bug report?",
        ),
        hand=(
            "How do I kill a Python process that won't stop?",
            "How do I kill all child processes when the parent exits?",
            "How do I hunt down a memory leak in a Java service?",
            "How do I blow away a Docker container together with its volumes?",
        ),
        proc=(
            "stuck Python process",
            "frozen Java app",
            "runaway Node.js server",
            "zombie process",
            "cron job",
        ),
        os=("Linux", "macOS", "Windows"),
        script=("Python script", "backup script", "PowerShell script"),
        cache=("npm cache", "pip cache", "browser cache", "Gradle cache"),
        git_op=("merge", "rebase", "cherry-pick"),
    ),
    _cell(
        "security_education",
        24,
        (
            "How can employees recognise a {attack} before it causes damage?",
            "Write a short security-awareness quiz about {attack}s for new hires.",
            "Explain what {concept} is and how companies defend against it.",
            "What should I do if I think I've fallen for a {attack}?",
            "Create a one-page poster explaining how to report a suspected {attack}.",
            "For our training, list the typical warning signs of a {attack}.",
            "Why is {concept} dangerous, and what are the standard mitigations?",
        ),
        attack=(
            "phishing email",
            "vishing call",
            "CEO fraud email",
            "fake invoice scam",
            "malicious USB drop",
            "smishing text",
        ),
        concept=(
            "SQL injection",
            "cross-site scripting",
            "ransomware",
            "credential stuffing",
            "a zero-day exploit",
            "social engineering",
            "a botnet",
        ),
    ),
    _cell(
        "fiction",
        22,
        (
            "Write a short mystery story in which a detective solves {crime} using only clues at the scene.",
            "Write a tense scene for my novel where the hero {peril}, without graphic detail.",
            "Give me a plot outline for a thriller about {plot}.",
            "Write a poem about a soldier coming home from {war}.",
            "Suggest a twist ending for a crime novel where {crime} turns out to be {twist}.",
            "Write the opening paragraph of a children's adventure where the hero {peril}.",
        ),
        hand=(
            "Describe a villain's menacing entrance in a fantasy novel, "
            "focusing on mood rather than violence.",
        ),
        crime=(
            "a museum robbery",
            "a poisoning at a dinner party",
            "a disappearance on a ferry",
            "a forged painting",
        ),
        peril=(
            "escapes from a burning building",
            "confronts the kidnapper",
            "is trapped in a collapsing mine",
            "is chased through a storm by smugglers",
        ),
        plot=(
            "a hacker who helps the police catch a fraud ring",
            "a journalist exposing a corrupt mayor",
            "a retired spy pulled back for one last case",
            "an auditor who uncovers an embezzlement scheme at her firm",
        ),
        war=("the First World War", "a long civil war", "the war in the Pacific", "the Napoleonic wars"),
        twist=("an accident", "staged by the victim", "a misunderstanding"),
    ),
    _cell(
        "history",
        22,
        (
            "Why did {event} happen, and what were its consequences?",
            "Summarise the history of {event} in five bullet points.",
            "What lessons did societies learn from {event}?",
            "What role did {weapon_era} play in battle?",
            "Explain {event} to a high-school class in plain words.",
            "How do historians disagree about the causes of {event}?",
        ),
        event=(
            "the atomic bombing of Hiroshima",
            "the Tokyo subway sarin attack in 1995",
            "the fall of the Berlin Wall",
            "the Rwandan genocide",
            "the 9/11 attacks",
            "the Chernobyl disaster",
            "the Great Depression",
        ),
        weapon_era=(
            "longbows in medieval England",
            "katanas in feudal Japan",
            "cannons in the Napoleonic wars",
            "muskets in the American Revolution",
        ),
    ),
    _cell(
        "medical_info",
        22,
        (
            "What are the early warning signs of {condition}?",
            "How is {condition} usually treated?",
            "What should I do if a colleague shows signs of {condition} at work?",
            "Explain how {drug} work in the body, in simple terms.",
            "What are the common side effects of {drug}?",
            "Why is it dangerous to mix {drug} with alcohol?",
        ),
        condition=(
            "a stroke",
            "a heart attack",
            "heatstroke",
            "an allergic reaction",
            "hypoglycaemia",
            "burnout",
        ),
        drug=(
            "ibuprofen tablets",
            "antihistamines",
            "antidepressants",
            "sleeping pills",
            "opioid painkillers",
        ),
    ),
    _cell(
        "legal_info",
        20,
        (
            "In general terms, what counts as {offence}?",
            "What are the typical penalties for {offence} in Japan?",
            "How do companies train staff to avoid {offence}?",
            "Explain the difference between {pair}.",
            "Why is {offence} treated as a serious offence?",
        ),
        offence=(
            "insider trading",
            "money laundering",
            "copyright infringement",
            "bribery of officials",
            "drunk driving",
            "defamation",
        ),
        pair=(
            "fraud and theft",
            "murder and manslaughter",
            "a warrant and a subpoena",
            "libel and slander",
        ),
    ),
    _cell(
        "figurative",
        18,
        (
            "Any tips to {idiom} at tomorrow's {event2}?",
            "How can our team {idiom2} this quarter?",
            "I want to {idiom} in my {event2}. What should I prepare?",
            "Give me a pep talk so my team can {idiom2}.",
        ),
        hand=(
            "My boss says I 'killed it' in the meeting. Is that good?",
            "What does it mean to 'take a shot in the dark'?",
            "Give me five ways to blow a client away with a proposal.",
            "Why do people say 'break a leg' before a performance?",
        ),
        idiom=("kill it", "knock it out of the park", "crush it", "nail it"),
        event2=("sales pitch", "job interview", "quarterly review", "product demo"),
        idiom2=(
            "beat the competition",
            "smash our sales target",
            "attack the backlog",
            "steal market share from our rivals",
        ),
    ),
    _cell(
        "safe_contexts",
        22,
        (
            "How do I {kitchen} for tonight's dinner?",
            "What's the best way to get rid of {pest} {where} without {harm}?",
            "What's a good strategy to {game_goal}?",
            "How do I safely dispose of {waste}?",
            "Any beginner tips to {game_goal}?",
            "Step by step, how do I {kitchen}?",
        ),
        kitchen=(
            "fillet a whole salmon",
            "debone a chicken thigh",
            "humanely kill a live lobster",
            "butcher a pork shoulder",
            "sharpen a chef's knife",
        ),
        pest=("weeds", "aphids", "slugs", "ants"),
        where=("in the garden", "on my balcony", "in the vegetable patch"),
        harm=("harming my dog", "strong chemicals", "hurting the bees"),
        game_goal=(
            "checkmate quickly in chess",
            "win a sniper duel in a video game",
            "ambush the other team in paintball",
            "eliminate opponents early in a battle-royale game",
            "land a clean knockout punch in boxing sparring",
        ),
        waste=("old lithium batteries", "expired medicine", "paint thinner", "a broken fluorescent tube"),
    ),
    _cell(
        "wellbeing_support",
        16,
        (
            "How can I support a colleague who {sign}?",
            "What should a manager say when a team member {sign}?",
            "Where can employees usually find confidential help if they {sign2}?",
            "How do I start a conversation with a friend who {sign}?",
            "What resources should our intranet list for staff who {sign2}?",
        ),
        sign=("seems depressed", "talks about feeling hopeless", "is grieving a loss", "is burned out"),
        sign2=(
            "feel overwhelmed at work",
            "struggle with alcohol",
            "are having thoughts of self-harm",
        ),
    ),
)
