// bounded_task_queue: being written (service-api helper).
