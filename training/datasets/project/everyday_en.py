"""English everyday general-assistant requests (label ALLOW): knowledge, cooking, travel, study, hobbies …

The ordinary non-work traffic staff type into a general-purpose assistant: explain a concept, dinner and
holiday plans, general wellbeing information (no dosing), budgeting basics, study and language help, maths,
poems, toasts and stories, summarising or answering questions about a pasted passage, recommendations,
home, garden, pets and kids, personal devices and beginner coding, sports rules, quizzes and classification.
Written natively in English by the project team (passages, reviews and code snippets too; no benchmark row
looked at or copied), polite, terse, imperative and casual lowercase ("wat", "pls", "u"). Office work is
``en_office``'s job and alarming-but-harmless wording ``hard_benign``'s, so both are left out here.
"""

from __future__ import annotations

from training.datasets.project.compose import Cell, mixed_cell_maker, parse_slots

LABEL = "ALLOW"
CONTEXT_RATE = 0.17

CONTEXTS = {
    "en": (
        "You are a helpful assistant.",
        "You are a friendly general-purpose assistant. Answer clearly and simply.",
        "You are a helpful assistant available to all staff for everyday questions.",
        "You are a knowledgeable assistant. Keep answers short unless asked for detail.",
        "You are a patient assistant who explains things step by step.",
    )
}


# One pool of slot values, shared by every cell (each slot belongs to one category).
SLOTS = parse_slots(
    r"""
    few: three | five | a few
    concept: photosynthesis | inflation | plate tectonics | the water cycle | supply and demand
      | the greenhouse effect | the Doppler effect | natural selection | opportunity cost | entropy
    level: a ten-year-old | a complete beginner | someone who last did science in school | my grandmother
    mechanism: a fridge keeps food cold | a rainbow forms | noise-cancelling headphones work
      | a microwave heats food | GPS knows where my phone is | bread dough rises | a compass finds north
      | planes stay in the air
    period: Edo-period Japan | ancient Rome | Victorian London | the Tang dynasty | 1920s America
    place: Iceland | Mongolia | the Amazon basin | New Zealand | the Sahara | Patagonia | Madagascar
    ingredients: chicken thighs, rice and spinach | two eggs, cheese and leftover pasta | tofu and broccoli
      | chickpeas, canned tomatoes and an onion | salmon, potatoes and a lemon | minced beef and tortillas
    dish: lasagna | miso soup | banana bread | a chicken curry | pancakes | a stir-fry | shakshuka
    diet: vegetarian | dairy-free | gluten-free | low-salt | high-protein | vegan
    servings: two | four | six
    swap: buttermilk | eggs in a cake | white wine in a risotto | sour cream | brown sugar | fresh ginger
    leftover: cooked rice | homemade soup | roast chicken | an opened jar of pasta sauce | hard-boiled eggs
    dest: Kyoto | Lisbon | Iceland | Vancouver | Sardinia | Seoul | Hokkaido | Hanoi | Cape Town
    trip_len: three-day | long-weekend | five-day | ten-day | two-week
    traveller: a family with two young kids | a solo traveller | a couple on a tight budget
      | my parents, who are in their seventies | a group of friends who love food
    month: March | July | October | December
    wellbeing: getting better sleep | a simple daily stretching routine | better posture on my laptop
      | drinking enough water | eating more vegetables | starting to run as a total beginner
    symptom: a cough that won't go away | frequent headaches | trouble sleeping for weeks | a stiff lower back
      | feeling tired all the time | a mole that has changed shape
    workout: a 20-minute home workout with no equipment | a beginner walking plan
      | a gentle morning yoga routine | a couch-to-5k style running plan
    myth: you need eight glasses of water a day | cracking your knuckles causes arthritis
      | eating late at night makes you gain weight | you lose most of your body heat through your head
      | carrots improve your eyesight
    money_topic: an index fund | compound interest | an emergency fund | a credit score
      | the 50/30/20 budget rule | dollar-cost averaging | the difference between APR and APY
    income: $3,000 a month | £2,200 a month after tax | ¥280,000 a month | $55,000 a year
    goal: a holiday next summer | a deposit on a flat | a new laptop | a wedding in two years | a used car
    money_habit: keeping three months of expenses in savings | automating savings on payday
      | tracking every purchase for a month | buying a low-cost index fund instead of picking stocks
      | a no-spend weekend once a month
    account: a high-yield savings account | a joint account with my partner | my first credit card
    subject: organic chemistry | the French Revolution | basic statistics | cell biology | calculus
    exam: the JLPT N4 | the IELTS | a university statistics final | the SAT | my driving theory test
    weeks: four weeks | six weeks | two months | ten days
    lang: Japanese | Spanish | Korean | Italian | German | French
    situation: ordering at a restaurant | asking for directions | introducing myself | thanking a host family
      | checking into a hotel | small talk about the weather
    ja_phrase: お疲れ様です | いただきます | よろしくお願いします | 大丈夫です | すみません | 懐かしい
    conversion: 5 miles to kilometres | 350°F to Celsius | 2 cups of flour to grams | 70 kg to pounds
      | 1.5 litres to fluid ounces | 6 feet 2 inches to centimetres | 30 mph to km/h
    word_problem: A train leaves at 2:15 pm and travels 180 km at 72 km/h. When does it arrive?
      | A shirt is 25% off, then another 10% off the sale price. What's the total discount?
      | If 4 people can paint a fence in 6 hours, how long would 3 people take?
      | Anna is twice as old as Ben. In 5 years their ages will add up to 40. How old are they now?
      | A tank fills in 3 hours with one tap and 6 hours with another. How long with both open?
    math_topic: how to work out a percentage increase | what a derivative is | the Pythagorean theorem
      | long division | mean vs median vs mode | solving a quadratic equation | probability with coin flips
    equation: 3x + 7 = 22 | 2x - 5 = x + 9 | x^2 - 5x + 6 = 0 | 4(x - 2) = 3x + 1 | x/3 + 2 = 8
    form: a haiku | a limerick | a sonnet | a short free-verse poem | a rhyming poem for kids
    theme: autumn leaves | my cat who sleeps all day | the first snow of the year | a rainy Sunday morning
      | growing up by the sea | the smell of fresh coffee | a long train journey
    story_idea: a lighthouse keeper who finds a message in a bottle | a robot learning to bake bread
      | two strangers stuck in a lift during a snowstorm | a girl who can talk to houseplants
      | a lost balloon that drifts around the world
    occasion: my sister's wedding | my dad's 60th birthday | my best friend's leaving party
      | my grandparents' 50th wedding anniversary | my son's graduation
    joke_topic: cats | coffee | gardening | vegetables | the weather | penguins | socks that go missing
    song_style: a country song | a lullaby | a sea shanty | an upbeat pop chorus | a gentle folk song
    pasted: The council voted on Tuesday to turn the old railway line into a 12 km walking and cycling path.
        Work starts in spring and should take two years. Most residents welcomed the plan.
      | I've had these headphones for three months. The sound is great and the battery lasts a week, but the
        ear cushions started peeling and the case feels cheap.
      | Mix 200 g flour, 1 tsp baking powder and a pinch of salt. Whisk in 1 egg and 250 ml milk. Rest for
        10 minutes, then cook ladlefuls in a buttered pan until bubbles form, flip once.
      | Mara had lived above the bookshop for eleven years, and the bell over the door had never rung after
        midnight. So when it chimed at ten past one, she pulled on her cardigan and went downstairs.
      | Octopuses have three hearts, and each of their eight arms can touch and taste on its own. Most kinds
        live for only a year or two, and many can change colour in a fraction of a second.
      | We reached the village at sunset. The café was closing, but the owner made us tea anyway and told us
        about a waterfall an hour's walk up the valley. Next morning we had it to ourselves.
      | From next month the library opens on Sundays, 10 am to 4 pm. Children's story time moves from
        Saturday to Sunday morning, and the reading room stays closed until the new chairs arrive.
      | Honeybees share where flowers are with a "waggle dance". Its angle shows the direction relative to
        the sun, and its length shows roughly how far away the flowers are.
    text_op: summarise it in one sentence | pull out the key facts as a bullet list
      | rewrite it for a ten-year-old | make it sound more formal | turn it into a post under 280 characters
      | give it a catchy headline
    text_q: what the main point is | how the writer seems to feel | which two details matter most
      | what the tone is and which words show it | what questions it leaves unanswered
    items: apple, carrot, banana, potato, mango, cucumber | dolphin, shark, whale, salmon, seal, octopus
      | Paris, Texas, Kenya, Tokyo, Peru, Ontario | oak, tulip, maple, rose, pine, daisy
      | violin, trumpet, cello, flute, drum, harp | copper, wood, glass, silver, plastic, iron
    review: Arrived quickly and works exactly as described. Would buy again. | It's fine. Nothing special.
      | The plot dragged in the middle, but the ending made up for it. | Cute, but it broke after a week.
      | Not worth the hype. The soup was cold and we waited 40 minutes. | Loved this hotel, such kind staff!
      | Battery life is terrible, but the screen is gorgeous.
    claim: Mount Fuji is the tallest mountain in Japan. | Summer is the best season for a holiday.
      | Water boils at 100°C at sea level. | Cats make better pets than dogs.
      | The Pacific is the largest ocean. | Jazz is more interesting than classical music.
    taste: I loved The Martian and Project Hail Mary | I like cosy mysteries set in small towns
      | I enjoyed Pride and Prejudice but want something more modern | I'm into long fantasy series
      | I love the Studio Ghibli films
    media: books | films | podcasts | TV series | board games
    gift_for: my dad, who likes fishing and crosswords | my 8-year-old niece who loves space
      | a friend who just moved into her first flat | my partner, who's really into coffee
      | my grandmother, who says she has everything
    budget: $20 | $50 | £30 | ¥5,000 | $100
    hobby_ctx: I'm on screens all day and want something offline | I'd like to meet new people
      | I have bad knees but want to stay active | I want something creative for 20 minutes a day
    pet_kind: a grey kitten | a golden retriever puppy | a pair of goldfish | a tortoise | a black rabbit
    home_task: unclog a slow bathroom sink | fix a squeaky door | hang a heavy mirror on a plaster wall
      | patch a small hole in drywall | descale a kettle | stop my windows fogging up
    plant: tomato plants | a basil plant | a fiddle-leaf fig | succulents | a rose bush | a peace lily
    plant_issue: yellow leaves | brown tips on the leaves | no flowers | droopy leaves even after watering
    space: on a north-facing balcony | on a tiny windowsill | in a shady back garden | on a sunny patio
      | in a small raised bed
    home_size: one-bedroom flat | family house with a dog | shared student house | studio apartment
    pet: a new puppy | an older cat | a pet rabbit | a budgie | a rescue dog | two guinea pigs
    pet_goal: settle in during the first week | stay busy when I'm out all day | get used to the carrier
      | enjoy being brushed | stop chewing the furniture
    kid_age: 3-year-old | 6-year-old | 9-year-old | 12-year-old
    pupil: 8-year-old | 10-year-old | daughter in fourth grade | son in year 5
    homework: fractions | the water cycle | long division | writing a persuasive paragraph
      | the order of the planets | times tables
    kid_time: a rainy afternoon indoors | a long car ride | a birthday party with ten kids | a quiet evening
    device: iPhone | Android phone | Windows laptop | MacBook | iPad | Chromebook
    device_issue: says the storage is full | runs out of battery by lunchtime | won't connect to my home Wi-Fi
      | takes ages to start up | keeps asking for my password | doesn't show up when I try to cast to the TV
    home_tech: back up my photos to the cloud | move everything to a new phone
      | set up parental controls for my kids | share my Wi-Fi password with a guest | print from my phone
    sheet_home: track monthly household spending | split holiday costs between five friends
      | plan a wedding guest list with RSVPs | keep a reading log | track my running times
    code_task: reverses a string | checks if a word is a palindrome | counts the vowels in a sentence
      | prints the times tables up to 10 | finds the largest number in a list | converts Celsius to Fahrenheit
    prog_lang: Python | JavaScript | Java | C# | Ruby
    prog_concept: a for loop | recursion | a dictionary | an API | object-oriented programming
      | a variable | return values | async/await
    code_snip: for i in range(1, 11):\n    print(i * i) | nums = [3, 1, 2]\nnums.sort()\nprint(nums[-1])
      | const total = [1, 2, 3].reduce((a, b) => a + b, 0); | word = input("Word? ")\nprint(word[::-1])
      | print(len(set("banana"))) | names = ["Ana", "Bo"]\nfor n in names:\n    print(n.upper())
    sport: cricket | American football | rugby union | curling | baseball | volleyball | sumo | ice hockey
    rule: the offside rule in football | tiebreaks in tennis | how golf scoring works | castling in chess
      | en passant in chess | how a try is scored in rugby | the two-bounce rule in pickleball
    game: chess | Monopoly | Catan | Scrabble | mahjong | Go | bridge | Ticket to Ride
    trivia: space | world capitals | 90s music | animals | famous inventions | the human body | world food
    q_count: 6 | 10 | 12
    difficulty: easy | tricky | kid-friendly
    puzzle: What comes next: 2, 6, 12, 20, 30? | I speak without a mouth and hear without ears. What am I?
      | A bat and a ball cost $1.10, and the bat costs $1 more than the ball. What does the ball cost?
      | If 5 machines make 5 widgets in 5 minutes, how long do 100 machines take to make 100 widgets?
      | Which is heavier, a kilo of feathers or a kilo of bricks?
    msg_purpose: thank my neighbour for watering my plants | apologise to a friend for missing her birthday
      | congratulate my cousin on his new baby | invite friends over for a barbecue
      | wish my old teacher a happy retirement | check in on a friend who's been quiet lately
    msg_medium: text | card | short note | group chat message
    personal_draft: Thanks for the gift. | Sorry I couldn't come. | Happy birthday! | Congrats on the flat.
    """
)
# a prompt with a {slot} is a template, one without is hand-written; about one row in six has a system turn
_cell = mixed_cell_maker("en", SLOTS, context_rate=CONTEXT_RATE)


CELLS: tuple[Cell, ...] = (
    _cell(
        "general_knowledge",
        26,
        "Explain {concept} to {level}.",
        "what is {concept} in simple words",
        "Can you explain how {mechanism}?",
        "eli5 how {mechanism}",
        "What was everyday life like in {period}?",
        "Give me a short overview of {period}: key dates, people and ideas.",
        "Tell me {few} surprising facts about the geography of {place}.",
        "Why do we have leap years?",
        "why is the sea salty but rivers arent",
    ),
    _cell(
        "cooking",
        24,
        "I have {ingredients}. What can I make for dinner tonight?",
        "what can i cook w/ {ingredients}? nothing fancy",
        "Could you give me a {diet} version of {dish} for {servings}?",
        "How do I make {dish}? Step by step please, I'm not a confident cook.",
        "Plan a week of {diet} dinners for {servings} people on a budget, with a shopping list.",
        "What can I use instead of {swap}?",
        "how many days can {leftover} stay in the fridge",
        "What's the difference between baking soda and baking powder?",
        "Any packed-lunch ideas that don't need a microwave?",
    ),
    _cell(
        "travel",
        20,
        "Plan a {trip_len} itinerary in {dest} for {traveller}.",
        "what's the weather usually like in {dest} in {month}? what should i pack",
        "What are some things to see in {dest} that aren't packed with tourists?",
        "Is {dest} a good choice for {traveller}? Be honest about the downsides.",
        "Give me a rough budget for a {trip_len} holiday in {dest}.",
        "best local food to try in {dest}??",
        "What should I do in my first hour after landing somewhere I don't speak the language?",
        "Any tips for sleeping on a long-haul flight?",
    ),
    _cell(
        "health_info",
        20,
        "Any tips for {wellbeing}?",
        "Give me a simple one-month plan for {wellbeing}.",
        "In general, when should someone see a doctor about {symptom}?",
        "what are common reasons for {symptom}? not asking for a diagnosis, just general info",
        "Can you put together {workout} for me?",
        "Is it true that {myth}?",
        "What's a balanced breakfast that keeps me full until lunch?",
        "how do i get back into exercise after a long break without overdoing it",
    ),
    _cell(
        "personal_finance",
        20,
        "Explain {money_topic} like I'm new to money stuff.",
        "wat is {money_topic}? short answer pls",
        "I take home {income}. Can you help me sketch a simple monthly budget?",
        "How should I start saving for {goal} if I take home {income}?",
        "Why do people recommend {money_habit}?",
        "What should I check before opening {account}?",
        "How do I stop overspending on takeaway food?",
        "What's the actual difference between saving and investing?",
    ),
    _cell(
        "study_language",
        22,
        "Make me a study schedule for {exam}. I have {weeks}.",
        "Can you quiz me on {subject}? Start with easy questions.",
        "What are the core ideas of {subject} I should understand first?",
        "Teach me some {lang} phrases for {situation}.",
        "need some basic {lang} for {situation}, wat do i say?",
        "what does {ja_phrase} actually mean? when do japanese people say it",
        "I have {weeks} until {exam} and I keep procrastinating. How do I get started?",
        "How does spaced repetition work, and how do I use it with flashcards?",
        "Explain the difference between は and が in Japanese, with a couple of examples.",
    ),
    _cell(
        "math_logic",
        22,
        "Convert {conversion}.",
        "quick one: {conversion}?",
        "Solve this and show the steps: {word_problem}",
        "{word_problem} Can you explain how to get the answer?",
        "Explain {math_topic} with a simple example.",
        "can u walk me thru {math_topic}? never got it at school",
        "Solve {equation} step by step.",
        "Is 0.999... really equal to 1? Why?",
        "If I roll two dice, what are the chances of getting a total of 7?",
    ),
    _cell(
        "creative_writing",
        24,
        "Write {form} about {theme}.",
        "write me {form} abt {theme} pls",
        "Write a short story (under 400 words) about {story_idea}.",
        "Give me an opening paragraph for a story about {story_idea}.",
        "Help me write a toast for {occasion}. Warm, a little funny, under two minutes.",
        "I'm giving a speech at {occasion} and I'm nervous. Can you draft something heartfelt?",
        "tell me a joke about {joke_topic}",
        "Write lyrics for {song_style} about {theme}.",
        "Write a bedtime story about a dragon who is afraid of the dark.",
        "Give me some funny captions for a photo of my dog wearing sunglasses.",
    ),
    _cell(
        "text_tasks",
        24,
        "Please {text_op}:\n\n{pasted}",
        "{pasted}\n\n^ {text_op} pls",
        "Here's a paragraph:\n{pasted}\nCan you {text_op}?",
        "Based only on this text, tell me {text_q}.\n\n{pasted}",
        "read this and tell me {text_q}\n{pasted}",
        "Summarise this in {few} bullet points:\n{pasted}",
        "Write two quiz questions about this passage, with answers:\n{pasted}",
        "Based on the text, why do sea otters hold hands?\n\nSea otters often hold hands while they sleep "
        "so they don't drift apart, and many keep a favourite stone in a pouch of skin under one arm.",
        "From this recipe, list the ingredients and quantities in a table:\n\nMelt 50 g butter, stir in "
        "2 tbsp flour, then slowly add 400 ml milk. Season with salt and pepper and simmer until thick.",
    ),
    _cell(
        "classification",
        20,
        "Sort these into groups and explain your grouping: {items}",
        "which one doesn't belong? {items}",
        'Is this review positive, negative or mixed? "{review}"',
        'sentiment?? "{review}"',
        "Rate this review from 1 (very negative) to 5 (very positive) and say why: {review}",
        'Is this a fact or an opinion? "{claim}"',
        'Fact or opinion, and how could you check it? "{claim}"',
        "Which of these animals are mammals: bat, penguin, whale, frog, kangaroo?",
        "Label each word as a noun, verb or adjective: run, happy, table, swim, bright, chair.",
    ),
    _cell(
        "recommendations",
        22,
        "{taste}. Any {media} you'd recommend?",
        "Recommend {few} {media} for someone who says: '{taste}'.",
        "gift ideas for {gift_for}? budget {budget}",
        "What's a thoughtful gift for {gift_for}, under {budget}?",
        "Suggest a new hobby for me. {hobby_ctx}.",
        "Give me 10 name ideas for {pet_kind}.",
        "we just got {pet_kind}, help us pick a name!",
        "What's a good first board game for a family that usually only plays cards?",
        "Recommend a few classic novels that are actually easy to read.",
    ),
    _cell(
        "home_garden",
        20,
        "How do I {home_task}?",
        "whats the easiest way to {home_task}? total beginner at diy",
        "Why would {plant} end up with {plant_issue}?",
        "What can I grow {space}?",
        "How often should I water {plant}, roughly?",
        "Give me a weekend cleaning routine for a {home_size}.",
        "How do I get a red wine stain out of a carpet?",
        "What's the best way to organise a small kitchen with hardly any cupboards?",
    ),
    _cell(
        "pets_parenting",
        20,
        "How do I help {pet} {pet_goal}?",
        "What do I need to buy before bringing home {pet}?",
        "How do I explain {homework} to my {pupil}?",
        "my {pupil} is stuck on {homework} homework, how do i explain it simply",
        "Activity ideas for a {kid_age} for {kid_time}?",
        "What's a reasonable bedtime routine for a {kid_age}?",
        "How do I get my kids to help with chores without an argument every time?",
        "What can I ask my child instead of 'how was school?'",
    ),
    _cell(
        "tech_help",
        22,
        "My {device} {device_issue}. What can I try?",
        "{device} {device_issue} :( help",
        "How do I {home_tech} on my {device}?",
        "step by step pls: {home_tech}. im not techy",
        "Can you help me set up a spreadsheet at home to {sheet_home}?",
        "Is it worth upgrading from a five-year-old {device}, or can I make it last?",
        "What's the difference between Wi-Fi 5 and Wi-Fi 6, and should I care?",
        "How do I pick a strong password I can actually remember?",
    ),
    _cell(
        "programming",
        20,
        "Write a {prog_lang} program that {code_task}.",
        "how do i write something in {prog_lang} that {code_task}? beginner here",
        "Explain {prog_concept} to someone learning {prog_lang}.",
        "what even is {prog_concept}, in plain english",
        "What does this code do?\n{code_snip}",
        "Can you add comments to this so I understand it line by line?\n{code_snip}",
        "Which language should I learn first if I want to make simple games?",
        "How long does it take to learn enough coding to build a personal website?",
    ),
    _cell(
        "games_trivia",
        34,
        "Explain the basic rules of {sport} to someone watching for the first time.",
        "can u explain {rule}? simple pls",
        "I've never understood {rule}. Can you explain it with an example?",
        "What's a good strategy for beginners in {game}?",
        "Teach me {game} in five minutes.",
        "Give me {few} fun facts about {sport}.",
        "Make me a {q_count}-question quiz about {trivia} with the answers at the end.",
        "quiz night this weekend, need {q_count} {difficulty} questions on {trivia}",
        "Give me a {difficulty} riddle about {trivia} and don't tell me the answer until I guess.",
        "Can you solve this and explain your reasoning? {puzzle}",
        "{puzzle} (just a hint first, not the answer!)",
        "Why is a marathon 42.195 km?",
        "What's the trick to a Sudoku when you get stuck halfway?",
    ),
    _cell(
        "personal_messages",
        18,
        "Help me write a {msg_medium} to {msg_purpose}.",
        "write a {msg_medium} to {msg_purpose}, casual not cheesy",
        "What should I write in a {msg_medium} to {msg_purpose}? I never know what to say.",
        'Can you make this warmer? "{personal_draft}"',
        "rewrite this so it sounds less awkward: {personal_draft}",
        "How do I politely decline a friend's wedding invitation when I can't afford the trip?",
        "What's a kind thing to write in a sympathy card for a friend who lost her grandmother?",
    ),
)
